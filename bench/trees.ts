/**
 * Tree ensembles vs scikit-learn and XGBoost on the same features, in one run.
 *
 *   npx tsx bench/trees.ts /work/shared/data/mr/mr.csv [--seeds 42,1,2] [--models rf,gb,xgb]
 *
 * Protocol (issue 3): clean_text → stratified 80/20 split (seed 42) → TF-IDF, 5,000 unigram features, made
 * once by bench/trees_baseline.py (Debian's python3-sklearn and python3-xgboost) and read by both sides, so
 * both learn from byte-identical matrices. Every fit runs in its own process (peak RSS is that model's).
 * Hyperparameters are params.yaml's defaults for train.rf / train.gb / train.xgb, passed to both tools.
 * With several seeds, the learners' seed (and scikit-learn's random_state) varies; the split stays at 42.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {loadParams} from '../src/core/config/index.js'
import type {CsrMatrix} from '../src/core/features/sparse.js'
import type {AlgorithmSpec} from '../src/core/models/classifier.js'
import {gbSpec} from '../src/core/models/gb.js'
import {rfSpec} from '../src/core/models/rf.js'
import {xgbSpec} from '../src/core/models/xgb.js'
import {silentReporter} from '../src/core/reporter.js'

type Model = 'rf' | 'gb' | 'xgb'
const SPECS: Record<Model, AlgorithmSpec<never>> = {rf: rfSpec as never, gb: gbSpec as never, xgb: xgbSpec as never}
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'
const here = fileURLToPath(new URL('.', import.meta.url))

interface FitResult {
  tool: string
  seed?: number
  threads?: number
  model: Model
  fit_s: number
  cpu_s?: number
  accuracy: number
  predict_ms_p50: number
  peak_rss_mb: number
  json_mb?: number
  version?: string
}

function readSplit(dir: string, name: string, cols: number): {X: CsrMatrix; y: Int32Array} {
  const read = (ext: string) => {
    const b = readFileSync(join(dir, `${name}.${ext}`))
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
  }
  const indptr = new Int32Array(read('indptr.i32'))
  return {
    X: {rows: indptr.length - 1, cols, indptr, indices: new Int32Array(read('indices.i32')), data: new Float64Array(read('data.f64'))},
    y: new Int32Array(read('y.i32')),
  }
}

/** Child process: fit one model on the prepared matrices and print one JSON line. */
function child(model: Model, dir: string, params: unknown, seed: number): void {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {n_features: number}
  const train = readSplit(dir, 'train', meta.n_features)
  const test = readSplit(dir, 'test', meta.n_features)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const clf = SPECS[model].fit(train.X, train.y, 2, params as never, {seed, reporter: silentReporter})
  const fitS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const p = clf.predictProba(test.X)
  let ok = 0
  for (let i = 0; i < test.y.length; i++) if ((p[2 * i + 1] > p[2 * i] ? 1 : 0) === test.y[i]) ok++
  // Per-text latency: predictProba on one already-vectorized row, as the server calls it.
  const lat: number[] = []
  for (let i = 0; i < Math.min(300, test.X.rows); i++) {
    const a = test.X.indptr[i]
    const b = test.X.indptr[i + 1]
    const row: CsrMatrix = {rows: 1, cols: test.X.cols, indptr: Int32Array.of(0, b - a), indices: test.X.indices.slice(a, b), data: test.X.data.slice(a, b)}
    const s = performance.now()
    clf.predictProba(row)
    lat.push(performance.now() - s)
  }
  lat.sort((x, y) => x - y)
  const result: FitResult = {
    tool: 'sentiops',
    model,
    fit_s: round(fitS),
    cpu_s: round((cpu.user + cpu.system) / 1e6),
    accuracy: round(ok / test.y.length),
    predict_ms_p50: round(lat[lat.length >> 1]),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    json_mb: round(JSON.stringify(clf.toJSON()).length / 1e6, 2),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits))
}

function runJson(cmd: string, args: string[]): FitResult {
  const out = execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26})
  return JSON.parse(out.trim().split('\n').pop()!) as FitResult
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    child(args[1] as Model, args[2], JSON.parse(args[3]), Number(args[4]))
    return
  }
  const csv = args.find(a => !a.startsWith('--'))
  if (!csv) throw new Error('usage: npx tsx bench/trees.ts DATA.csv [--seeds 42,1,2] [--models rf,gb,xgb]')
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : fallback
  }
  const seeds = opt('--seeds', '42').split(',').map(Number)
  const models = opt('--models', 'rf,gb,xgb').split(',') as Model[]
  const train = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.train // the defaults
  const params: Record<Model, unknown> = {rf: train.rf, gb: train.gb, xgb: train.xgb}
  const dir = mkdtempSync(join(tmpdir(), 'sentiops-bench-trees-'))
  try {
    const load0 = loadavg()
    const meta = runJson(PYTHON, [join(here, 'trees_baseline.py'), 'prep', csv, dir]) as unknown as {train: {rows: number; nnz: number}; test: {rows: number}; n_features: number}
    console.log(`MR features: ${meta.train.rows} train / ${meta.test.rows} test rows, ${meta.n_features} TF-IDF features, ${meta.train.nnz} non-zeros in train`)
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; loadavg at start ${load0.map(l => l.toFixed(2)).join(' ')}`)
    const results: FitResult[] = []
    for (const seed of seeds) {
      for (const model of models) {
        const p = JSON.stringify(params[model])
        const baseline = [join(here, 'trees_baseline.py'), 'fit', model, dir, p, '--seed', String(seed)]
        results.push({...runJson(PYTHON, baseline), seed})
        // XGBoost uses every core by default; its single-thread time is the like-for-like comparison.
        if (model === 'xgb') results.push({...runJson(PYTHON, [...baseline, '--threads', '1']), seed})
        const tsx = join(here, '..', 'node_modules', '.bin', 'tsx')
        results.push({...runJson(tsx, [fileURLToPath(import.meta.url), '--child', model, dir, p, String(seed)]), seed})
      }
    }
    console.log(`loadavg at end ${loadavg().map(l => l.toFixed(2)).join(' ')}\n`)
    printTable(results, models, seeds)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

function printTable(results: FitResult[], models: Model[], seeds: number[]): void {
  const rows: string[][] = [['model', 'tool', 'seed', 'fit s', 'cpu s', 'accuracy', 'predict ms/text', 'peak RSS MB', 'model JSON MB']]
  for (const r of results) {
    const tool = `${r.tool}${r.version ? ` ${r.version}` : ''}${r.threads ? ` (${r.threads} thread${r.threads > 1 ? 's' : ''})` : ''}`
    rows.push([r.model, tool, String(r.seed), r.fit_s.toFixed(2), r.cpu_s?.toFixed(2) ?? '', r.accuracy.toFixed(4), r.predict_ms_p50.toFixed(3), String(r.peak_rss_mb), r.json_mb?.toFixed(2) ?? ''])
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)))
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '))
  console.log('\nsentiops vs baseline: fit-time ratio of the medians over seeds (wall, and CPU of all threads), accuracy difference')
  for (const model of models) {
    const ours = results.filter(r => r.model === model && r.tool === 'sentiops')
    const baselines = new Map<string, FitResult[]>()
    for (const r of results.filter(r => r.model === model && r.tool !== 'sentiops')) {
      const key = `${r.tool}${r.threads ? ` (${r.threads} thread${r.threads > 1 ? 's' : ''})` : ''}`
      baselines.set(key, [...(baselines.get(key) ?? []), r])
    }
    for (const [name, base] of baselines) {
      const ratio = median(ours.map(r => r.fit_s)) / median(base.map(r => r.fit_s))
      const cpuRatio = median(ours.map(r => r.cpu_s ?? 0)) / median(base.map(r => r.cpu_s ?? 0))
      const diff = 100 * (mean(ours.map(r => r.accuracy)) - mean(base.map(r => r.accuracy)))
      const sign = diff >= 0 ? '+' : ''
      console.log(`  ${model} vs ${name}: fit ${ratio.toFixed(2)}× (CPU ${cpuRatio.toFixed(2)}×), accuracy ${sign}${diff.toFixed(2)} points (mean of ${seeds.length} seed${seeds.length > 1 ? 's' : ''})`)
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length

await main()
