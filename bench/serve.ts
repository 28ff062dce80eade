/**
 * Benchmark of `sentiops serve` (figures, not a test). In one run on this machine, with the same wrk load
 * (`wrk -t2 -c32 -d10s`, POST /predict of rotating review sentences) it measures:
 *   - `sentiops serve` (the real binary, bin/run.js → dist/) with an LR model trained on MR;
 *   - a bare node:http server answering a constant (the physical limit of one Node process here);
 *   - the Flask app behind gunicorn with 2 sync workers, from ../shared/bench (skipped when absent);
 * each: cold start (spawn → first 200 from POST /predict), requests/s, p50/p99 latency, non-2xx, peak RSS.
 * And batch prediction: `sentiops predict` over the MR texts vs scikit-learn's preprocess + vectorize + predict.
 * And the cost of live drift monitoring: `sentiops serve` with its default drift window (monitor.window 1000)
 * against `--drift-window 0`, both running, loaded in turn (on, off, on, off, …) so that a busier minute of a
 * shared machine hits both alike; `--only drift` runs just that comparison.
 *
 * Usage (after `npm run build`; needs wrk, and for the baselines gunicorn + python3-flask + python3-sklearn:
 * `bash scripts/deps/serve.sh --bench`):
 *   node --import tsx bench/serve.ts [--data ../shared/data/mr/mr.csv] [--duration 10s] [--runs 2] [--json FILE]
 *   node --import tsx bench/serve.ts --only drift [--duration 5s] [--rounds 4]
 */
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {mkdtemp, writeFile} from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import {cpus, tmpdir, totalmem} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {setAt, validateParams} from '../src/core/config/index.js'
import {ingest} from '../src/core/data/index.js'
import {silentReporter} from '../src/core/reporter.js'
import {runFeaturize} from '../src/core/stages/featurize.js'
import {runPreprocess} from '../src/core/stages/preprocess.js'
import {runTrain} from '../src/core/stages/train.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const SHARED_BENCH = path.resolve(ROOT, '../shared/bench')
const PYTHON = '/usr/bin/python3'

/** The sentences of ../shared/bench/post_predict.lua, so the figures compare with the baselines' runs. */
const SENTENCES = [
  'The acting was superb and the story kept me hooked until the very last scene.',
  'What a waste of two hours, the plot made no sense and the dialogue was painfully bad.',
  'A charming, funny film with a surprisingly moving ending; I would watch it again.',
  'The battery died after a week and customer support never answered my emails.',
  'Great food, friendly staff and the prices were very reasonable for the portion sizes.',
  "It's a dull, plodding movie that mistakes slowness for depth.",
  'Honestly one of the best purchases I have made this year, works exactly as described.',
  'The service was slow, the soup was cold and nobody seemed to care.',
]

const WRK_SCRIPT = `local sentences = ${luaList(SENTENCES)}
local reqs = {}
local idx = 0
init = function(args)
  for i, s in ipairs(sentences) do
    reqs[i] = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, '{"text": "' .. s .. '"}')
  end
end
request = function()
  idx = idx % #reqs + 1
  return reqs[idx]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.connect + e.read + e.write + e.timeout))
end
`

function luaList(items: string[]): string {
  return `{${items.map(s => JSON.stringify(s)).join(', ')}}`
}

interface WrkRun {
  requests: number
  rps: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  socket_errors: number
  non2xx: number
}

interface ServerResult {
  name: string
  command: string
  coldStartMs: number[]
  runs: WrkRun[]
  /** Peak resident memory (VmHWM) summed over the server's processes, after the load. */
  peakRssMiB: number
  idleRssMiB: number
}

const {values: args} = parseArgs({
  options: {
    data: {type: 'string', default: path.resolve(ROOT, '../shared/data/mr/mr.csv')},
    duration: {type: 'string', default: '10s'},
    warmup: {type: 'string', default: '3s'},
    runs: {type: 'string', default: '2'},
    cold: {type: 'string', default: '3'},
    json: {type: 'string'},
    only: {type: 'string', default: 'all'},
    rounds: {type: 'string', default: '4'},
  },
})

function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function postOnce(port: number): Promise<number> {
  return new Promise(resolve => {
    const req = http.request({host: '127.0.0.1', port, path: '/predict', method: 'POST', headers: {'content-type': 'application/json'}, agent: false}, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.end(JSON.stringify({text: SENTENCES[0]}))
  })
}

/** The process and its descendants, from /proc (gunicorn forks its workers). */
function processTree(pid: number): number[] {
  const out = [pid]
  for (const task of safeReaddir(`/proc/${pid}/task`)) {
    const children = safeRead(`/proc/${pid}/task/${task}/children`).split(/\s+/).filter(Boolean).map(Number)
    for (const child of children) out.push(...processTree(child))
  }
  return out
}

function memoryMiB(pids: number[], field: 'VmHWM' | 'VmRSS'): number {
  let kib = 0
  for (const pid of pids) kib += Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(safeRead(`/proc/${pid}/status`))?.[1] ?? 0)
  return Math.round((kib / 1024) * 10) / 10
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function start(command: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  return spawn(command[0]!, command.slice(1), {env: {...process.env, ...env}, cwd, stdio: ['ignore', 'ignore', 'ignore']})
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return
  const pids = processTree(proc.pid!)
  const exited = new Promise(resolve => proc.once('exit', resolve))
  proc.kill('SIGTERM')
  const timeout = sleep(10_000).then(() => 'timeout')
  if ((await Promise.race([exited, timeout])) === 'timeout') proc.kill('SIGKILL')
  // Workers still alive after their parent left: stop them by PID.
  for (const pid of pids.slice(1)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

async function waitFor200(proc: ChildProcess, port: number, started: number): Promise<number> {
  while (performance.now() - started < 60_000) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} before answering`)
    if ((await postOnce(port)) === 200) return performance.now() - started
    await sleep(5)
  }
  throw new Error('server did not answer 200 within 60 s')
}

function wrk(url: string, duration: string, script: string): WrkRun {
  const out = execFileSync('wrk', ['-t2', '-c32', `-d${duration}`, '--timeout', '5s', '--latency', '-s', script, url], {encoding: 'utf8'})
  const json = JSON.parse(/^WRKJSON (.*)$/m.exec(out)![1]!) as Omit<WrkRun, 'non2xx'>
  const non2xx = Number(/Non-2xx or 3xx responses: *(\d+)/.exec(out)?.[1] ?? 0)
  return {...json, non2xx}
}

async function measureServer(name: string, command: string[], port: number, opts: {env?: NodeJS.ProcessEnv; cwd: string; script: string}): Promise<ServerResult> {
  log(`== ${name}: ${command.join(' ')}`)
  const coldStartMs: number[] = []
  for (let i = 0; i < Number(args.cold); i++) {
    const started = performance.now()
    const proc = start(command, opts.env ?? {}, opts.cwd)
    coldStartMs.push(Math.round(await waitFor200(proc, port, started)))
    await stop(proc)
    await sleep(300)
  }
  log(`   cold start ms: ${coldStartMs.join(', ')}`)
  const proc = start(command, opts.env ?? {}, opts.cwd)
  await waitFor200(proc, port, performance.now())
  await sleep(500)
  const idleRssMiB = memoryMiB(processTree(proc.pid!), 'VmRSS')
  const url = `http://127.0.0.1:${port}/predict`
  wrk(url, args.warmup!, opts.script)
  const runs: WrkRun[] = []
  for (let i = 0; i < Number(args.runs); i++) {
    const run = wrk(url, args.duration!, opts.script)
    log(`   run ${i + 1}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50_ms.toFixed(2)} ms, p99 ${run.p99_ms.toFixed(2)} ms, non-2xx ${run.non2xx}, socket errors ${run.socket_errors}`)
    runs.push(run)
    await sleep(1000)
  }
  const peakRssMiB = memoryMiB(processTree(proc.pid!), 'VmHWM')
  await stop(proc)
  return {name, command: command.join(' '), coldStartMs, runs, peakRssMiB, idleRssMiB}
}

/** Trains the LR model of the default params on DATA.csv (columns text,label) with the core pipeline. */
async function trainLr(data: string, cwd: string): Promise<string> {
  const raw: Record<string, unknown> = {}
  setAt(raw, 'ingest.source', data)
  setAt(raw, 'train.algorithm', 'lr')
  const params = validateParams(raw)
  const opts = {cwd, reporter: silentReporter}
  await ingest(params.ingest, opts)
  await runPreprocess(params, opts)
  await runFeaturize(params, opts)
  const result = await runTrain(params, opts)
  log(`   trained lr on ${result.rows} rows × ${result.features} features in ${result.fitSeconds.toFixed(2)} s`)
  return result.modelDir
}

/** scikit-learn: clean_text + vectorizer.transform + predict_proba over every text, in one batch. */
function sklearnTextsPerSecond(modelPkl: string, data: string): {texts: number; seconds: number} {
  const program = `
import csv, pickle, sys, time
sys.path.insert(0, ${JSON.stringify(SHARED_BENCH)})
from textprep import clean_text
with open(${JSON.stringify(modelPkl)}, 'rb') as f: b = pickle.load(f)
with open(${JSON.stringify(data)}, newline='', encoding='utf-8') as f: texts = [r['text'] for r in csv.DictReader(f)]
best = None
for _ in range(3):
    t0 = time.perf_counter()
    b['model'].predict_proba(b['vectorizer'].transform([clean_text(t) for t in texts]))
    s = time.perf_counter() - t0
    best = s if best is None or s < best else best
print(len(texts), best)
`
  const [texts, seconds] = execFileSync(PYTHON, ['-c', program], {encoding: 'utf8'}).trim().split(' ').map(Number)
  return {texts: texts!, seconds: seconds!}
}

/**
 * The same measurement as the scikit-learn line, on our side: the compiled library in a fresh Node process,
 * `bundle.predict` (preprocess + vectorize + predict) over every text in one batch, best of 3, no file I/O timed.
 */
function sentiopsBatchTextsPerSecond(modelDir: string, data: string): {texts: number; seconds: number} {
  const program = `
const {loadBundle} = await import(${JSON.stringify(path.join(ROOT, 'dist/core/bundle/index.js'))})
const {readSplit} = await import(${JSON.stringify(path.join(ROOT, 'dist/core/data/index.js'))})
const bundle = await loadBundle(${JSON.stringify(modelDir)})
const texts = (await readSplit(${JSON.stringify(data)})).map(r => r.text)
let best = Infinity
for (let i = 0; i < 3; i++) {
  const t0 = performance.now()
  bundle.predict(texts)
  best = Math.min(best, (performance.now() - t0) / 1000)
}
console.log(texts.length, best)
`
  const [texts, seconds] = execFileSync(process.execPath, ['--input-type=module', '-e', program], {encoding: 'utf8'}).trim().split(' ').map(Number)
  return {texts: texts!, seconds: seconds!}
}

/** `sentiops predict` over the CSV: the command's own count and time (stderr), best of 3, plus wall time. */
function sentiopsPredict(modelDir: string, data: string, cwd: string): {texts: number; seconds: number; wallSeconds: number} {
  let best: {texts: number; seconds: number; wallSeconds: number} | undefined
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), 'predict', '--model', modelDir, '--input', data, '--output', '/dev/null'], {cwd, encoding: 'utf8'})
    const wallSeconds = (performance.now() - started) / 1000
    // The rate is computed from the unrounded time; the seconds in the message have two decimals only.
    const m = /predict: (\d+) texts in [\d.]+ s \((\d+) texts\/s\)/.exec(r.stderr)
    if (r.status !== 0 || !m) throw new Error(`sentiops predict failed: ${r.stderr.trim().split('\n')[0]}`)
    const run = {texts: Number(m[1]), seconds: Number(m[1]) / Number(m[2]), wallSeconds}
    if (!best || run.seconds < best.seconds) best = run
  }
  return best!
}

/**
 * scikit-learn's counterpart of the command (bench/sk_predict_cli.py: unpickle, read the CSV, clean_text +
 * transform + predict_proba, write JSON lines), best of 3: its own time after the model load, and wall time.
 */
function sklearnPredictCli(pkl: string, data: string, work: string): {texts: number; seconds: number; wallSeconds: number} {
  let best: {texts: number; seconds: number; wallSeconds: number} | undefined
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const out = execFileSync(PYTHON, [path.join(ROOT, 'bench/sk_predict_cli.py'), pkl, data, path.join(work, 'sk-predictions.jsonl'), SHARED_BENCH], {encoding: 'utf8'})
    const wallSeconds = (performance.now() - started) / 1000
    const [texts, seconds] = out.trim().split(' ').map(Number)
    const run = {texts: texts!, seconds: seconds!, wallSeconds}
    if (!best || run.seconds < best.seconds) best = run
  }
  return best!
}

/** The data set written `times` times over (header once), for the steady-state batch figures. */
async function repeatData(data: string, times: number, work: string): Promise<string> {
  const [header, ...rows] = readFileSync(data, 'utf8').replace(/\n$/, '').split('\n')
  const file = path.join(work, `data-x${times}.csv`)
  await writeFile(file, [header, ...Array.from({length: times}, () => rows).flat()].join('\n') + '\n')
  return file
}

interface DriftRun extends WrkRun {
  /** CPU time (user + system) the server process spent per answered request during the run, µs. */
  cpu_us_per_request: number
}

interface DriftComparison {
  /** wrk runs of the server with live drift on (monitor.window 1000) and off (--drift-window 0), in turn. */
  on: DriftRun[]
  off: DriftRun[]
  window: number
}

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = safeRead(`/proc/${pid}/stat`).replace(/^.*\) /, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Live drift on vs off: both servers run at once on the same model (the idle one costs nothing) and wrk loads
 * them in turn, `rounds` times each after a warm-up, so the machine's noise falls on both alike.
 */
async function measureDriftCost(modelDir: string, work: string, script: string): Promise<DriftComparison> {
  const serveCommand = (port: number, extra: string[]) => [process.execPath, path.join(ROOT, 'bin/run.js'), 'serve', '--model', modelDir, '--host', '127.0.0.1', '--port', String(port), ...extra]
  const window = validateParams({}).monitor.window
  const ports = {on: await freePort(), off: await freePort()}
  log(`== live drift on (window ${window}) vs off, ${args.rounds} rounds of ${args.duration} each, in turn`)
  const procs = {on: start(serveCommand(ports.on, []), {LOG_LEVEL: 'warn'}, work), off: start(serveCommand(ports.off, ['--drift-window', '0']), {LOG_LEVEL: 'warn'}, work)}
  const result: DriftComparison = {on: [], off: [], window}
  try {
    for (const side of ['on', 'off'] as const) {
      await waitFor200(procs[side], ports[side], performance.now())
      wrk(`http://127.0.0.1:${ports[side]}/predict`, args.warmup!, script)
    }
    for (let round = 0; round < Number(args.rounds); round++) {
      // Alternate which side goes first, so neither always follows the other's load.
      for (const side of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        await sleep(500)
        const cpuBefore = cpuSeconds(procs[side].pid!)
        const load = wrk(`http://127.0.0.1:${ports[side]}/predict`, args.duration!, script)
        const run = {...load, cpu_us_per_request: ((cpuSeconds(procs[side].pid!) - cpuBefore) / load.requests) * 1e6}
        log(`   round ${round + 1}, drift ${side}: ${run.rps.toFixed(0)} req/s, ${run.cpu_us_per_request.toFixed(1)} µs CPU/request, p50 ${run.p50_ms.toFixed(2)} ms, p99 ${run.p99_ms.toFixed(2)} ms, non-2xx ${run.non2xx}`)
        result[side].push(run)
      }
    }
    // The comparison is only worth something if the one side computes drift and the other does not.
    const [on, off] = await Promise.all([getText(ports.on, '/metrics'), getText(ports.off, '/metrics')])
    if (!/^sentiops_drift_psi\{signal="text_length"\} /m.test(on) || /sentiops_drift_/.test(off)) throw new Error('live drift: expected PSI series from the "on" server only')
    log(`   drift on, after the load: ${/^sentiops_drift_window_texts .*$/m.exec(on)![0]}, ${/^sentiops_drift_psi\{signal="text_length"\} .*$/m.exec(on)![0]}`)
  } finally {
    await Promise.all([stop(procs.on), stop(procs.off)])
  }
  return result
}

function getText(port: number, route: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({host: '127.0.0.1', port, path: route, agent: false}, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

function printDriftComparison(drift: DriftComparison): void {
  const rps = (runs: DriftRun[]) => runs.map(r => r.rps)
  const cpu = (runs: DriftRun[]) => runs.map(r => r.cpu_us_per_request)
  const row = (label: string, runs: DriftRun[]) =>
    `| ${label} | ${Math.max(...rps(runs)).toFixed(0)} | ${median(rps(runs)).toFixed(0)} | ${Math.min(...cpu(runs)).toFixed(1)} | ${median(cpu(runs)).toFixed(1)} | ${median(runs.map(r => r.p99_ms)).toFixed(2)} | ${runs.reduce((n, r) => n + r.non2xx + r.socket_errors, 0)} |`
  const change = (on: number, off: number) => `${on >= off ? '+' : ''}${((on / off - 1) * 100).toFixed(1)}%`
  process.stdout.write(
    [
      '',
      `| sentiops serve, ${drift.on.length} runs each in turn | req/s best | req/s median | CPU µs/request best | CPU µs/request median | p99 ms median | non-2xx |`,
      '|---|---:|---:|---:|---:|---:|---:|',
      row(`live drift on (window ${drift.window})`, drift.on),
      row('live drift off (--drift-window 0)', drift.off),
      '',
      `live drift on vs off: req/s ${change(Math.max(...rps(drift.on)), Math.max(...rps(drift.off)))} (best runs), ${change(median(rps(drift.on)), median(rps(drift.off)))} (medians); ` +
        `server CPU per request ${change(Math.min(...cpu(drift.on)), Math.min(...cpu(drift.off)))} (best), ${change(median(cpu(drift.on)), median(cpu(drift.off)))} (medians)`,
      '',
    ].join('\n'),
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const best = (r: ServerResult) => r.runs.reduce((a, b) => (b.rps > a.rps ? b : a))

async function main(): Promise<void> {
  if (!have('wrk')) throw new Error('wrk is not installed: run `bash scripts/deps/serve.sh --bench`')
  if (!existsSync(path.join(ROOT, 'dist/commands/serve.js'))) throw new Error('dist/ is missing: run `npm run build` first')
  const data = path.resolve(args.data!)
  if (!existsSync(data)) throw new Error(`data file not found: ${data} (pass --data FILE.csv with columns text,label)`)
  const work = await mkdtemp(path.join(tmpdir(), 'sentiops-bench-serve-'))
  const script = path.join(work, 'post_predict.lua')
  await writeFile(script, WRK_SCRIPT)

  log(`== training the model on ${data}`)
  const modelDir = await trainLr(data, work)
  if (args.only === 'drift') {
    const drift = await measureDriftCost(modelDir, work, script)
    if (args.json) await writeFile(args.json, JSON.stringify({date: new Date().toISOString(), loadavg: safeRead('/proc/loadavg').trim(), data, drift}, null, 2) + '\n')
    printDriftComparison(drift)
    return
  }
  if (args.only !== 'all') throw new Error(`--only ${args.only}: expected all or drift`)
  const results: ServerResult[] = []

  const servePort = await freePort()
  results.push(await measureServer('sentiops serve', [process.execPath, path.join(ROOT, 'bin/run.js'), 'serve', '--model', modelDir, '--host', '127.0.0.1', '--port', String(servePort)], servePort, {cwd: work, script, env: {LOG_LEVEL: 'warn'}}))

  const constPort = await freePort()
  const constServer = path.join(work, 'node_const.cjs')
  await writeFile(constServer, `const http = require('node:http')
const body = Buffer.from(JSON.stringify({label: 1, probability: 0.9}))
http.createServer((req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': body.length})
    res.end(body)
  })
}).listen(Number(process.argv[2]), '127.0.0.1')
`)
  results.push(await measureServer('node:http constant', [process.execPath, constServer, String(constPort)], constPort, {cwd: work, script}))

  let sklearn: {texts: number; seconds: number} | undefined
  let sklearnCli: BatchFigures | undefined
  const scaled = await repeatData(data, 10, work)
  const baselines = existsSync(path.join(SHARED_BENCH, 'flask_app.py')) && have('gunicorn') && spawnSync(PYTHON, ['-c', 'import sklearn, flask']).status === 0
  if (baselines) {
    const pkl = path.join(work, 'model-lr-tfidf.pkl')
    execFileSync(PYTHON, [path.join(SHARED_BENCH, 'sk_train.py'), data, '--algo', 'lr', '--features', 'tfidf', '--save', pkl], {stdio: ['ignore', 'ignore', 'inherit']})
    const port = await freePort()
    results.push(await measureServer('Flask + gunicorn, 2 sync workers', ['gunicorn', '-w', '2', '-k', 'sync', '-b', `127.0.0.1:${port}`, '--chdir', SHARED_BENCH, 'flask_app:app'], port, {cwd: work, script, env: {MODEL_PATH: pkl}}))
    sklearn = sklearnTextsPerSecond(pkl, data)
    sklearnCli = {once: sklearnPredictCli(pkl, data, work), tenTimes: sklearnPredictCli(pkl, scaled, work)}
  } else {
    log('== Flask/gunicorn baseline skipped: needs ../shared/bench, gunicorn, python3-flask and python3-sklearn')
  }
  const predict: BatchFigures = {once: sentiopsPredict(modelDir, data, work), tenTimes: sentiopsPredict(modelDir, scaled, work)}
  const library = sentiopsBatchTextsPerSecond(modelDir, data)
  const drift = await measureDriftCost(modelDir, work, script)

  const report = {
    date: new Date().toISOString(),
    machine: {cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: safeRead('/proc/loadavg').trim()},
    data,
    wrk: `wrk -t2 -c32 -d${args.duration} --latency (POST /predict, ${SENTENCES.length} rotating sentences)`,
    servers: results,
    batchPredict: {sentiops: predict, sklearnCli, sentiopsLibrary: library, sklearn},
    drift,
  }
  if (args.json) await writeFile(args.json, JSON.stringify(report, null, 2) + '\n')
  printMarkdown(report.servers, {predict, sklearnCli, library, sklearn})
  printDriftComparison(drift)
  log(`(work dir ${work}; raw figures ${args.json ?? 'not saved: pass --json FILE'})`)
}

interface CommandRun {
  texts: number
  seconds: number
  wallSeconds: number
}

/** The command over the data set once and ten times over. */
interface BatchFigures {
  once: CommandRun
  tenTimes: CommandRun
}

function printMarkdown(servers: ServerResult[], batch: {predict: BatchFigures; sklearnCli?: BatchFigures; library: {texts: number; seconds: number}; sklearn?: {texts: number; seconds: number}}): void {
  const {predict, sklearnCli, library, sklearn} = batch
  const rate = (texts: number, seconds: number) => (texts / seconds).toFixed(0)
  const row = (label: string, ours: string, theirs?: string) => `| ${label} | ${ours} | ${theirs ?? '-'} |`
  const lines = [
    '| server | req/s (best run) | p50 ms | p99 ms | non-2xx | cold start ms (median) | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...servers.map(s => {
      const b = best(s)
      return `| ${s.name} | ${b.rps.toFixed(0)} | ${b.p50_ms.toFixed(2)} | ${b.p99_ms.toFixed(2)} | ${b.non2xx + b.socket_errors} | ${median(s.coldStartMs)} | ${s.peakRssMiB} |`
    }),
    '',
    '| batch prediction, texts/s (best of 3) | sentiops | scikit-learn |',
    '|---|---:|---:|',
    row(`command, after the model load: read CSV, predict, write JSON lines (${predict.once.texts} texts)`, rate(predict.once.texts, predict.once.seconds), sklearnCli && rate(sklearnCli.once.texts, sklearnCli.once.seconds)),
    row('command, wall clock with process start', rate(predict.once.texts, predict.once.wallSeconds), sklearnCli && rate(sklearnCli.once.texts, sklearnCli.once.wallSeconds)),
    row(`command, after the model load, data ×10 (${predict.tenTimes.texts} texts)`, rate(predict.tenTimes.texts, predict.tenTimes.seconds), sklearnCli && rate(sklearnCli.tenTimes.texts, sklearnCli.tenTimes.seconds)),
    row('command, wall clock, data ×10', rate(predict.tenTimes.texts, predict.tenTimes.wallSeconds), sklearnCli && rate(sklearnCli.tenTimes.texts, sklearnCli.tenTimes.wallSeconds)),
    row('library: preprocess + vectorize + predict, one batch in memory', rate(library.texts, library.seconds), sklearn && rate(sklearn.texts, sklearn.seconds)),
  ]
  const serve = servers.find(s => s.name === 'sentiops serve')
  const node = servers.find(s => s.name.startsWith('node:http'))
  const gunicorn = servers.find(s => s.name.startsWith('Flask'))
  if (serve && node) lines.push('', `sentiops serve / node:http constant: ${((best(serve).rps / best(node).rps) * 100).toFixed(0)}%`)
  if (serve && gunicorn) lines.push(`sentiops serve / gunicorn-2: ${(best(serve).rps / best(gunicorn).rps).toFixed(1)}×`)
  process.stdout.write(lines.join('\n') + '\n')
}

await main().catch(error => {
  log(`bench/serve: ${(error as Error).message}`)
  process.exitCode = 1
})

