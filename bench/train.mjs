#!/usr/bin/env node
// bench/train: sentiops vs the scikit-learn baseline (../shared/bench/sk_train.py), side by side, in one run.
//   npm run build && node bench/train.mjs [DATA.csv=../shared/data/mr/mr.csv] [--reps 3] [--skip-scale] [--skip-help]
// Needs: apt-get install python3-sklearn python3-pandas hyperfine.
// Prints per-phase times, whole-process wall time and accuracy for the same configuration in both tools,
// the default params.yaml hold-out accuracy, the scale series (MR repeated to 125k..1M texts: preprocess +
// featurize + train LR and MNB, wall time and peak RSS), and `sentiops --help` latency.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const {values: a, positionals} = parseArgs({allowPositionals: true, options: {
  reps: {type: 'string', default: '3'}, 'skip-scale': {type: 'boolean', default: false}, 'skip-help': {type: 'boolean', default: false},
  baseline: {type: 'string', default: path.resolve(root, '../shared/bench')},
}})
const data = path.resolve(positionals[0] ?? path.resolve(root, '../shared/data/mr/mr.csv'))
const reps = Number(a.reps)
const skTrain = path.join(a.baseline, 'sk_train.py')
for (const [what, p] of [['data set', data], ['baseline', skTrain], ['dist/ (run npm run build)', path.join(root, 'dist/core')]]) {
  if (!existsSync(p)) throw new Error(`${what} not found: ${p}`)
}

function run(cmd, args) {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: root})
  const wall = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return {wall, json: JSON.parse(r.stdout.trim().split('\n').at(-1))}
}
const median = xs => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const load = () => os.loadavg().map(x => x.toFixed(2)).join(' ')

console.log(`# bench/train — ${new Date().toISOString()}`)
console.log(`data: ${data}; ${os.cpus().length} × ${os.cpus()[0].model}; node ${process.versions.node}; load ${load()}`)
console.log(`sentiops: node bench/train-once.mjs (dist/, one process); scikit-learn: /usr/bin/python3 ${skTrain}`)
console.log(`median of ${reps} runs; wall = process start to exit, measured by this driver\n`)

const phases = ['import', 'load', 'preprocess', 'vectorize', 'fit', 'predict']
console.log(`| config | tool | accuracy | f1 | ${phases.join(' | ')} | in-process | wall |`)
console.log(`|---|---|---|---|${phases.map(() => '---').join('|')}|---|---|`)
for (const [algo, features] of [['lr', 'tfidf'], ['mnb', 'bow']]) {
  for (const tool of ['sklearn', 'sentiops']) {
    const runs = []
    for (let i = 0; i < reps; i++) {
      runs.push(tool === 'sklearn'
        ? run('/usr/bin/python3', [skTrain, data, '--algo', algo, '--features', features, '--max-features', '5000', '--ngram', '1', '--seed', '42', '--single-n', '0'])
        : run(process.execPath, [path.join(here, 'train-once.mjs'), data, '--algo', algo, '--features', features, '--profile', 'baseline']))
    }
    const j = runs[0].json
    const t = k => median(runs.map(r => r.json.timings_s[k] ?? 0)).toFixed(3)
    console.log(`| ${algo} ${features} 5k uni | ${tool} | ${j.metrics.accuracy.toFixed(4)} | ${j.metrics.f1.toFixed(4)} | ${phases.map(t).join(' | ')} | ${t('total_in_process')} | ${median(runs.map(r => r.wall)).toFixed(3)} |`)
  }
}

console.log(`\n## default params.yaml (hold-out 80/20, seed 42)`)
for (const algo of ['lr', 'mnb']) {
  const r = run(process.execPath, [path.join(here, 'train-once.mjs'), data, '--algo', algo, '--profile', 'default'])
  console.log(`${algo}: accuracy ${r.json.metrics.accuracy.toFixed(4)}, f1 ${r.json.metrics.f1.toFixed(4)}, roc_auc ${r.json.metrics.roc_auc.toFixed(4)}, ${r.json.vocab_size} features, wall ${r.wall.toFixed(2)} s`)
}

if (!a['skip-scale']) {
  console.log(`\n## scale: ${path.basename(data)} repeated (the same texts over and over) — preprocess + featurize + train LR (tfidf) and MNB (bow), default params`)
  console.log('| texts | preprocess s | featurize+fit lr s | featurize+fit mnb s | in-process s | wall s | peak RSS MB |')
  console.log('|---|---|---|---|---|---|---|')
  for (const n of [125_000, 250_000, 500_000, 1_000_000]) {
    const r = run(process.execPath, ['--max-old-space-size=4096', path.join(here, 'train-once.mjs'), data, '--profile', 'default', '--scale', String(n)])
    const t = r.json.timings_s
    console.log(`| ${n.toLocaleString('en-US')} | ${t.preprocess.toFixed(2)} | ${(t.vectorize_lr + t.fit_lr).toFixed(2)} | ${(t.vectorize_mnb + t.fit_mnb).toFixed(2)} | ${t.total_in_process.toFixed(2)} | ${r.wall.toFixed(2)} | ${r.json.peak_rss_mb} |`)
  }
}

if (!a['skip-help']) {
  console.log('\n## `sentiops --help` (hyperfine, 20 runs)')
  const out = path.join(os.tmpdir(), `sentiops-help-${process.pid}.json`)
  const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', '20', '--export-json', out, `${process.execPath} ${path.join(root, 'bin/run.js')} --help`], {encoding: 'utf8'})
  if (r.status !== 0) console.log(`hyperfine failed: ${r.stderr}`)
  else {
    const res = JSON.parse(readFileSync(out, 'utf8')).results[0]
    console.log(`median ${(res.median * 1000).toFixed(0)} ms, mean ${(res.mean * 1000).toFixed(0)} ± ${(res.stddev * 1000).toFixed(0)} ms`)
  }
}
console.log(`\nload at the end: ${load()}`)
