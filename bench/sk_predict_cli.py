#!/usr/bin/python3
"""scikit-learn's counterpart of `sentiops predict --input DATA.csv --output OUT.jsonl`, for bench/serve.ts.

Loads the pickled vectorizer + model of ../shared/bench/sk_train.py --save, reads the CSV's `text` column,
runs the baseline's clean_text + transform + predict_proba, and writes one JSON line per text (label, score,
probabilities), the same work the command does. Prints `texts seconds` for the part after the model load,
timed like `sentiops predict` times itself (read + predict + write).

Usage: sk_predict_cli.py MODEL.pkl DATA.csv OUT.jsonl SHARED_BENCH_DIR
"""
import csv
import json
import pickle
import sys
import time

model_path, data, out_path, shared = sys.argv[1:5]
sys.path.insert(0, shared)
from textprep import clean_text  # noqa: E402

with open(model_path, "rb") as f:
    bundle = pickle.load(f)
vectorizer, model = bundle["vectorizer"], bundle["model"]
names = ["negative", "positive"]

t0 = time.perf_counter()
with open(data, newline="", encoding="utf-8") as f:
    texts = [row["text"] for row in csv.DictReader(f)]
proba = model.predict_proba(vectorizer.transform([clean_text(t) for t in texts]))
with open(out_path, "w", encoding="utf-8") as out:
    for p in proba.tolist():
        best = 0 if p[0] >= p[1] else 1
        out.write(json.dumps({"label": names[best], "score": p[best], "probabilities": {names[0]: p[0], names[1]: p[1]}}) + "\n")
print(len(texts), time.perf_counter() - t0)
