#!/usr/bin/env node
// bench/quality: the accuracy targets of issue 12, measured with the real `sentiops` binary and ONE params.yaml
// (this repository's, or --params FILE) on the public data sets in ../shared/data, next to published anchors.
//   npm run build && node bench/quality.mjs [--only sst2,mr,imbalanced,uci] [--set key=value ...] [--json out.json]
// Each run happens in its own temporary project (this repository's dvc.yaml and params.yaml), never in this
// repository; the data is read by path, and the imbalanced MR file is written to the temporary directory.
// --set applies to every run (a quick way to try a setting before putting it in params.yaml).
import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {parse as parseCsv} from 'csv-parse/sync'
import YAML from 'yaml'
import {mulberry32} from '../dist/core/data/split.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const {values: a} = parseArgs({options: {
  'data-dir': {type: 'string', default: path.resolve(root, '../shared/data')},
  params: {type: 'string', default: path.join(root, 'params.yaml')},
  only: {type: 'string', default: 'sst2,mr,imbalanced,uci'},
  set: {type: 'string', multiple: true, default: []},
  json: {type: 'string'},
  keep: {type: 'boolean', default: false},
}})
const dataDir = path.resolve(a['data-dir'])
const only = new Set(a.only.split(','))
const sets = a.set.flatMap(s => ['--set', s])
for (const [what, p] of [['data directory', dataDir], ['params file', a.params], ['dist/ (run npm run build)', path.join(root, 'dist/core')]]) {
  if (!existsSync(p)) throw new Error(`${what} not found: ${p}`)
}
const work = mkdtempSync(path.join(os.tmpdir(), 'sentiops-bench-quality-'))
const data = (...parts) => path.join(dataDir, ...parts)

// Published anchors (accuracy %), from ../shared/docs/ACCURACY.md.
const ANCHORS = {
  sst2: 'NB 81.8 · SVM 79.4 · bigram NB 83.1 (Socher et al. 2013); RNTN 85.4; CNN-rand 82.7 (Kim 2014); local MNB 82.0',
  mr: 'MNB uni/bi 77.9/79.0 · NBSVM uni/bi 78.1/79.4 (Wang & Manning 2012); CNN-static 81.0 (Kim 2014); local MNB uni/bi 78.0/78.8',
  imbalanced: 'none published (MR subsampled here); target relative to the plain model',
  amazon: 'AFINN lexicon 72.6 (sentiment@5); local MNB uni 82.5',
  imdb: 'AFINN lexicon 76.5 (sentiment@5); local MNB uni 82.3',
  yelp: 'AFINN lexicon 69.6 (sentiment@5); local MNB uni 80.7',
}

let projects = 0
/** A fresh temporary project with this repository's dvc.yaml and the params file under test. */
function project() {
  const dir = path.join(work, `p${++projects}`)
  spawnSync('mkdir', ['-p', dir])
  copyFileSync(path.join(root, 'dvc.yaml'), path.join(dir, 'dvc.yaml'))
  copyFileSync(a.params, path.join(dir, 'params.yaml'))
  return dir
}

/** Runs `sentiops …args --json` in `cwd`; returns the result object and the wall time. */
function sentiops(args, cwd) {
  const started = performance.now()
  const r = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), ...args, ...sets, '--json'], {cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  const seconds = (performance.now() - started) / 1000
  let out
  try {
    out = JSON.parse(r.stdout)
  } catch {
    throw new Error(`sentiops ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  }
  if (out.status !== 'ok') throw new Error(`sentiops ${args.join(' ')}: ${out.error?.message}`)
  return {result: out.result, seconds}
}

/** `repro` on one project; the metrics of the pipeline's evaluate stage. */
function repro(overrides) {
  const {result, seconds} = sentiops(['repro', ...overrides.flatMap(s => ['--set', s])], project())
  return {metrics: result.metrics, seconds}
}

/** 10-fold CV of the params as they are: a one-point grid on the learner the params already choose. */
function crossValidate(source, folds = 10) {
  const params = YAML.parse(readFileSync(a.params, 'utf8'))
  const setAlgorithm = a.set.map(s => /^train\.algorithm=(.+)$/.exec(s)?.[1]).filter(Boolean).at(-1)
  const algorithm = setAlgorithm ?? params?.train?.algorithm ?? 'lr'
  const {result, seconds} = sentiops(['experiment', 'run', '--source', source, '--cv', String(folds), '--grid', `train.algorithm=${algorithm}`, '--experiment', 'quality'], project())
  return {accuracy: result.best.metrics.cv_accuracy_mean, std: result.best.metrics.cv_accuracy_std, seconds}
}

/** MR with every negative and a quarter of the positives (seeded, file order kept): 80/20 negative/positive. */
function imbalancedMr() {
  const rows = parseCsv(readFileSync(data('mr/mr.csv')), {columns: true})
  const positives = rows.flatMap((row, i) => (row.label === '1' ? [i] : []))
  const random = mulberry32(42)
  for (let i = positives.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[positives[i], positives[j]] = [positives[j], positives[i]]
  }
  const kept = new Set(positives.slice(0, Math.round(positives.length / 4)))
  const quote = text => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)
  const out = rows.filter((row, i) => row.label === '0' || kept.has(i))
  const file = path.join(work, 'mr-imbalanced.csv')
  writeFileSync(file, 'text,label\n' + out.map(row => `${quote(row.text)},${row.label}`).join('\n') + '\n')
  return {file, negatives: out.filter(r => r.label === '0').length, positives: kept.size}
}

const pct = x => (100 * x).toFixed(2)
const rows = []
const log = message => process.stderr.write(`${message}\n`)
try {
  if (only.has('sst2')) {
    log('SST-2: repro, official train → test …')
    const r = repro([`ingest.source=${data('sst2/train.csv')}`, `ingest.test_source=${data('sst2/test.csv')}`])
    rows.push({id: 'sst2', data: 'SST-2 sentences', protocol: 'official train (6,920) → test (1,821), `repro` with ingest.test_source', figure: `${pct(r.metrics.accuracy)}% accuracy`, value: r.metrics.accuracy, target: '≥ 83.0%', met: r.metrics.accuracy >= 0.83, anchors: ANCHORS.sst2, seconds: r.seconds})
  }
  if (only.has('mr')) {
    log('MR: experiment run --cv 10 …')
    const r = crossValidate(data('mr/mr.csv'))
    rows.push({id: 'mr', data: 'MR (10,662 sentences)', protocol: 'stratified 10-fold CV, `experiment run --cv 10`', figure: `${pct(r.accuracy)}% ± ${pct(r.std)} accuracy`, value: r.accuracy, target: '≥ 80.0%', met: r.accuracy >= 0.8, anchors: ANCHORS.mr, seconds: r.seconds})
  }
  if (only.has('imbalanced')) {
    const {file, negatives, positives} = imbalancedMr()
    log(`MR 80/20 (${negatives} negative, ${positives} positive): repro plain, then class_weight balanced + threshold auto …`)
    const plain = repro([`ingest.source=${file}`])
    const tuned = repro([`ingest.source=${file}`, 'train.class_weight=balanced', 'evaluate.threshold=auto'])
    const delta = tuned.metrics.macro_f1 - plain.metrics.macro_f1
    rows.push({
      id: 'imbalanced',
      data: `MR 80/20 (${negatives.toLocaleString('en-US')} neg, ${positives.toLocaleString('en-US')} pos, seeded)`,
      protocol: 'stratified 80/20 split, `repro`; class_weight balanced + threshold auto vs plain',
      figure: `macro-F1 ${pct(tuned.metrics.macro_f1)} vs ${pct(plain.metrics.macro_f1)} (${delta >= 0 ? '+' : ''}${pct(delta)} points)`,
      value: delta,
      target: '≥ +2.0 points',
      met: delta >= 0.02,
      anchors: ANCHORS.imbalanced,
      seconds: plain.seconds + tuned.seconds,
    })
  }
  if (only.has('uci')) {
    for (const name of ['amazon', 'imdb', 'yelp']) {
      log(`UCI ${name}: experiment run --cv 10 …`)
      const r = crossValidate(data(`uci-sentences/${name}.csv`))
      rows.push({id: name, data: `UCI ${name} (1,000 sentences)`, protocol: 'stratified 10-fold CV', figure: `${pct(r.accuracy)}% ± ${pct(r.std)} accuracy`, value: r.accuracy, target: '—', met: undefined, anchors: ANCHORS[name], seconds: r.seconds})
    }
  }
} finally {
  if (!a.keep) rmSync(work, {recursive: true, force: true})
}

const cell = s => String(s).replaceAll('|', '\\|')
const table = [
  '| data set | protocol | sentiops | target | published anchors (accuracy %) | met? |',
  '|---|---|---|---|---|---|',
  ...rows.map(r => `| ${[r.data, r.protocol, r.figure, r.target, r.anchors, r.met === undefined ? '—' : r.met ? 'yes' : '**no**'].map(cell).join(' | ')} |`),
].join('\n')
console.log(table)
console.log(`\nparams: ${path.relative(process.cwd(), a.params) || a.params}${a.set.length ? ` with --set ${a.set.join(' --set ')}` : ''}; ${rows.map(r => `${r.id} ${r.seconds.toFixed(1)} s`).join(', ')}`)
if (a.json) writeFileSync(a.json, JSON.stringify({date: new Date().toISOString(), params: a.params, set: a.set, rows}, null, 2) + '\n')
process.exitCode = rows.some(r => r.met === false) ? 1 : 0
