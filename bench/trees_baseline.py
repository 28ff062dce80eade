#!/usr/bin/python3
"""Python side of bench/trees.ts: the shared features and the scikit-learn / XGBoost baselines.

  trees_baseline.py prep DATA.csv OUTDIR [--seed 42] [--max-features 5000]
      clean_text (../shared/bench/textprep.py) -> drop texts shorter than 3 chars -> stratified 80/20 split
      -> TfidfVectorizer(max_features) fitted on train -> writes OUTDIR/{train,test}.{indptr,indices}.i32,
      .data.f64, .y.i32 (raw little-endian, CSR with sorted column indices) and OUTDIR/meta.json.
  trees_baseline.py fit rf|gb|xgb OUTDIR PARAMS_JSON [--seed 42] [--threads N]
      fits one model on OUTDIR's train matrix and prints one JSON line: fit seconds (wall and CPU, all
      threads), test accuracy, single-row predict latency and the process's peak RSS (one model per process).

Run it through bench/trees.ts, which passes the same hyperparameters to both sides.
"""
import argparse
import csv
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp

TEXTPREP_DIR = os.environ.get("SENTIOPS_TEXTPREP_DIR", "/work/shared/bench")


def write_csr(outdir, name, X, y):
    X = sp.csr_matrix(X, dtype=np.float64)
    X.sort_indices()
    X.indptr.astype("<i4").tofile(os.path.join(outdir, f"{name}.indptr.i32"))
    X.indices.astype("<i4").tofile(os.path.join(outdir, f"{name}.indices.i32"))
    X.data.astype("<f8").tofile(os.path.join(outdir, f"{name}.data.f64"))
    np.asarray(y, dtype="<i4").tofile(os.path.join(outdir, f"{name}.y.i32"))
    return {"rows": int(X.shape[0]), "cols": int(X.shape[1]), "nnz": int(X.nnz)}


def read_csr(outdir, name, cols):
    indptr = np.fromfile(os.path.join(outdir, f"{name}.indptr.i32"), dtype="<i4")
    indices = np.fromfile(os.path.join(outdir, f"{name}.indices.i32"), dtype="<i4")
    data = np.fromfile(os.path.join(outdir, f"{name}.data.f64"), dtype="<f8")
    y = np.fromfile(os.path.join(outdir, f"{name}.y.i32"), dtype="<i4")
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, cols)), y


def prep(args):
    sys.path.insert(0, TEXTPREP_DIR)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from textprep import MIN_CHARS, clean_text

    texts, labels = [], []
    with open(args.data, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cleaned = clean_text(row["text"])
            if len(cleaned) >= MIN_CHARS:
                texts.append(cleaned)
                labels.append(int(row["label"]))
    Xtr, Xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=args.seed)
    vec = TfidfVectorizer(max_features=args.max_features)
    Vtr = vec.fit_transform(Xtr)
    Vte = vec.transform(Xte)
    os.makedirs(args.outdir, exist_ok=True)
    meta = {
        "source": os.path.abspath(args.data), "seed": args.seed, "max_features": args.max_features,
        "n_features": len(vec.vocabulary_), "train": write_csr(args.outdir, "train", Vtr, ytr),
        "test": write_csr(args.outdir, "test", Vte, yte),
    }
    with open(os.path.join(args.outdir, "meta.json"), "w") as f:
        json.dump(meta, f)
    print(json.dumps(meta))


def make_model(kind, p, seed, threads):
    if kind == "rf":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(
            n_estimators=p["n_estimators"], max_depth=p["max_depth"] or None, min_samples_leaf=p["min_samples_leaf"],
            max_features=p["max_features"], bootstrap=p["bootstrap"], criterion=p["criterion"], random_state=seed)
    if kind == "gb":
        from sklearn.ensemble import GradientBoostingClassifier
        return GradientBoostingClassifier(
            n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], max_depth=p["max_depth"],
            subsample=p["subsample"], min_samples_leaf=p["min_samples_leaf"], random_state=seed)
    if kind == "xgb":
        from xgboost import XGBClassifier
        return XGBClassifier(
            n_estimators=p["n_estimators"], learning_rate=p["eta"], max_depth=p["max_depth"], reg_lambda=p["lambda"],
            reg_alpha=p["alpha"], gamma=p["gamma"], min_child_weight=p["min_child_weight"], subsample=p["subsample"],
            colsample_bytree=p["colsample_bytree"], max_bin=p["max_bin"], tree_method="hist", random_state=seed,
            n_jobs=threads or None)
    raise ValueError(kind)


def fit(args):
    import sklearn
    with open(os.path.join(args.outdir, "meta.json")) as f:
        meta = json.load(f)
    cols = meta["n_features"]
    Xtr, ytr = read_csr(args.outdir, "train", cols)
    Xte, yte = read_csr(args.outdir, "test", cols)
    model = make_model(args.model, json.loads(args.params), args.seed, args.threads)
    c0 = time.process_time()
    t0 = time.perf_counter()
    model.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    accuracy = float(np.mean(model.predict(Xte) == yte))
    lat = []
    for i in range(min(300, Xte.shape[0])):
        row = Xte[i]
        s0 = time.perf_counter()
        model.predict_proba(row)
        lat.append(time.perf_counter() - s0)
    version = sklearn.__version__
    if args.model == "xgb":
        import xgboost
        version = xgboost.__version__
    print(json.dumps({
        "tool": "xgboost" if args.model == "xgb" else "sklearn", "version": version, "model": args.model,
        "threads": args.threads or os.cpu_count() if args.model == "xgb" else 1,
        "fit_s": round(fit_s, 4), "cpu_s": round(cpu_s, 4), "accuracy": round(accuracy, 4),
        "predict_ms_p50": round(statistics.median(lat) * 1e3, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prep")
    p.add_argument("data")
    p.add_argument("outdir")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--max-features", type=int, default=5000)
    f = sub.add_parser("fit")
    f.add_argument("model", choices=["rf", "gb", "xgb"])
    f.add_argument("outdir")
    f.add_argument("params", help="the model's hyperparameters as JSON (params.yaml train.<model> keys)")
    f.add_argument("--seed", type=int, default=42)
    f.add_argument("--threads", type=int, default=0, help="xgboost threads (0 = all cores, its default)")
    args = ap.parse_args()
    prep(args) if args.cmd == "prep" else fit(args)


if __name__ == "__main__":
    main()
