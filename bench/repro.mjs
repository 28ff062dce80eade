#!/usr/bin/env node
// bench/repro: the commands a user runs, whole process, against the scikit-learn baselines of ../shared/bench/.
//   npm run build && node bench/repro.mjs [--data ../shared/data/mr/mr.csv] [--reps 5] [--scale] [--only a,b] [--json out.json]
// Rows (ids for --only): default, skconfig, noop, help, predict, and with --scale: scale (1M texts, minutes).
// Each repro runs in its own temporary project (dvc.yaml + params.yaml pointing at the data), never in this
// repository; generated data (MR ×10, MR ×100) lives in the same temporary directory, removed at the end.
// Needs: apt-get install python3-sklearn python3-pandas hyperfine (hyperfine optional; fasttext optional).
// Wall = spawn to exit measured here; CPU = user + system and peak RSS from GNU time (/usr/bin/time).
import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {once} from 'node:events'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const {values: a} = parseArgs({options: {
  data: {type: 'string', default: path.resolve(root, '../shared/data/mr/mr.csv')},
  baseline: {type: 'string', default: path.resolve(root, '../shared/bench')},
  reps: {type: 'string', default: '5'},
  'fast-reps': {type: 'string', default: '20'},
  scale: {type: 'boolean', default: false},
  only: {type: 'string'},
  json: {type: 'string'},
  keep: {type: 'boolean', default: false},
}})
const data = path.resolve(a.data)
const reps = Number(a.reps)
const fastReps = Number(a['fast-reps'])
const PY = '/usr/bin/python3'
const skTrain = path.join(a.baseline, 'sk_train.py')
const sentiops = [process.execPath, path.join(root, 'bin/run.js')]
const rows = new Set((a.only ?? `default,skconfig,noop,help,predict${a.scale ? ',scale' : ''}`).split(','))
for (const [what, p] of [['data set', data], ['baseline', skTrain], ['dist/ (run npm run build)', path.join(root, 'dist/core')], ['GNU time', '/usr/bin/time']]) {
  if (!existsSync(p)) throw new Error(`${what} not found: ${p}`)
}
const have = cmd => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const work = mkdtempSync(path.join(os.tmpdir(), 'sentiops-bench-repro-'))
const loadavg = () => os.loadavg().map(x => x.toFixed(2)).join(' ')
const quote = s => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`)
const show = (argv, cwd, env) => `${cwd ? `(cd ${quote(cwd)} && ` : ''}${env ? Object.entries(env).map(([k, v]) => `${k}=${quote(v)} `).join('') : ''}${argv.map(quote).join(' ')}${cwd ? ')' : ''}`
  .replaceAll(process.execPath, 'node').replaceAll(root + '/', '').replaceAll(work, '$WORK')

/** One process, timed: wall here, CPU and peak RSS from GNU time. */
function timed(argv, {cwd = work, env} = {}) {
  const stats = path.join(work, 'time.txt')
  const started = performance.now()
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', stats, ...argv], {cwd, env: {...process.env, ...env}, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  const wall = (performance.now() - started) / 1000
  if (r.status !== 0) throw new Error(`${show(argv, cwd, env)} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`)
  const [user, sys, kb] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
  return {wall, cpu: user + sys, rssMb: kb / 1024, stdout: r.stdout}
}

/** `n` runs of each tool, interleaved (A B A B ...) so that a change in machine load hits both alike. */
function compare(n, tools) {
  const runs = tools.map(() => [])
  for (let i = 0; i < n; i++) tools.forEach((t, k) => runs[k].push(timed(t.argv, t)))
  return tools.map((t, k) => summarize(t, runs[k]))
}

function summarize(t, runs) {
  const sorted = key => runs.map(r => r[key]).sort((x, y) => x - y)
  const median = xs => (xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2)
  return {
    tool: t.tool, baseline: t.baseline, command: show(t.argv, t.cwd, t.env), runs: runs.length,
    medianWall: median(sorted('wall')), minWall: sorted('wall')[0], medianCpu: median(sorted('cpu')), peakRssMb: Math.max(...runs.map(r => r.rssMb)),
    accuracy: t.accuracy?.(runs.at(-1)),
  }
}

/** Short commands: hyperfine (-N, warmup 3) for median/min wall when installed, plus one GNU-time run for CPU and RSS. */
function fast(tools) {
  if (!have('hyperfine')) return compare(fastReps, tools)
  return tools.map(t => {
    const out = path.join(work, 'hyperfine.json')
    const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(fastReps), '--export-json', out, t.argv.map(quote).join(' ')], {cwd: t.cwd, env: {...process.env, ...t.env}, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`hyperfine ${show(t.argv, t.cwd)} failed: ${r.stderr}`)
    const h = JSON.parse(readFileSync(out, 'utf8')).results[0]
    const one = timed(t.argv, t)
    return {tool: t.tool, baseline: t.baseline, command: `hyperfine -N: ${show(t.argv, t.cwd, t.env)}`, runs: fastReps, medianWall: h.median, minWall: h.min, medianCpu: one.cpu, peakRssMb: one.rssMb, accuracy: undefined}
  })
}

/** A temporary sentiops project: this repository's dvc.yaml and params.yaml with ingest.source = the data. */
function project(name, overrides = []) {
  const dir = path.join(work, name)
  spawnSync('mkdir', ['-p', dir])
  copyFileSync(path.join(root, 'dvc.yaml'), path.join(dir, 'dvc.yaml'))
  const params = readFileSync(path.join(root, 'params.yaml'), 'utf8').replace(/^(\s+source:)\s*\S+/m, `$1 ${JSON.stringify(overrides.source ?? data)}`)
  writeFileSync(path.join(dir, 'params.yaml'), params)
  return dir
}
const metricsAccuracy = dir => () => JSON.parse(readFileSync(path.join(dir, 'reports/metrics.json'), 'utf8')).accuracy
const skAccuracy = r => JSON.parse(r.stdout.trim().split('\n').at(-1)).metrics.accuracy

/** The data set `times` times over; with `unique`, every copy's texts get their own suffix word (q + letters). */
async function repeatData(times, unique) {
  const file = path.join(work, `data-x${times}${unique ? '-unique' : ''}.csv`)
  const [header, ...lines] = readFileSync(data, 'utf8').replace(/\n$/, '').split('\n')
  const textFirst = header.split(',')[0] === 'text'
  if (unique && !textFirst) throw new Error(`--scale expects the CSV's first column to be text (header: ${header})`)
  const out = createWriteStream(file)
  out.write(header + '\n')
  for (let k = 0; k < times; k++) {
    const suffix = unique ? ` q${[...k.toString(26)].map(c => String.fromCharCode(97 + parseInt(c, 26))).join('')}` : ''
    // text is the first column: quoted ("...") or bare; the suffix goes at the end of the text.
    const chunk = unique ? lines.map(l => (l.startsWith('"') ? l.replace(/^"((?:[^"]|"")*)"/, (_, t) => `"${t}${suffix}"`) : l.replace(/^([^,]*)/, `$1${suffix}`))) : lines
    if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return file
}

const results = []
const section = (id, title, target, list) => {
  const base = list.find(r => r.baseline) ?? list.at(-1)
  results.push({id, title, target, rows: list})
  console.log(`\n## ${title}\ntarget: ${target}; load ${loadavg()}\n`)
  console.log('| tool | median wall s | min wall s | CPU s (median) | peak RSS MB | accuracy | wall vs reference |')
  console.log('|---|---|---|---|---|---|---|')
  for (const r of list) console.log(`| ${r.tool} | ${r.medianWall.toFixed(3)} | ${r.minWall.toFixed(3)} | ${r.medianCpu.toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.accuracy === undefined ? '—' : r.accuracy.toFixed(4)} | ${r === base ? 'reference' : `${(r.medianWall / base.medianWall).toFixed(2)}×`} |`)
  console.log('')
  for (const r of list) console.log(`- ${r.tool} (${r.runs} runs): \`${r.command}\``)
}

console.log(`# bench/repro — ${new Date().toISOString()}`)
console.log(`${os.cpus().length} × ${os.cpus()[0].model}; node ${process.versions.node}; data ${data}; load average at start ${loadavg()}`)
console.log(`whole-process figures: each command is a fresh process; $WORK = a temporary directory; sentiops = node bin/run.js`)
try {
  const skDefaults = {tool: 'scikit-learn sk_train.py (defaults: tfidf 5k unigrams, liblinear LR C=1)', argv: [PY, skTrain, data], accuracy: skAccuracy, baseline: true}
  let defaultDir
  if (rows.has('default') || rows.has('noop') || rows.has('predict')) {
    defaultDir = project('default')
    timed([...sentiops, 'repro', '--force'], {cwd: defaultDir}) // warm the page cache and write the outputs once
  }
  if (rows.has('default')) {
    section('default', '`repro --force`, default params.yaml (MR, whole pipeline, tracking as shipped)', '≤ 1.0× sk_train.py wall, accuracy ≥ 0.80', compare(reps, [
      {tool: 'sentiops repro --force', argv: [...sentiops, 'repro', '--force'], cwd: defaultDir, accuracy: metricsAccuracy(defaultDir)},
      skDefaults,
    ]))
  }
  if (rows.has('skconfig')) {
    const dir = project('skconfig')
    const sets = ['preprocess.remove_stopwords=true', 'preprocess.keep_negations=false', 'preprocess.keep_words=[]', 'preprocess.normalize=none',
      'preprocess.mark_negation=false', 'featurize.analyzer=word', 'featurize.ngram_max=1', 'featurize.max_features=5000', 'featurize.sublinear_tf=false', 'train.lr.C=1', 'train.lr.nb_scale=false'].flatMap(s => ['--set', s])
    timed([...sentiops, 'repro', '--force', ...sets], {cwd: dir})
    section('skconfig', "`repro --force` with sk_train.py's configuration (stop words out, no lemmas, tfidf 5k unigrams, plain LR C=1)", '≤ 1.0× sk_train.py wall', compare(reps, [
      {tool: 'sentiops repro --force --set …', argv: [...sentiops, 'repro', '--force', ...sets], cwd: dir, accuracy: metricsAccuracy(dir)},
      skDefaults,
    ]))
  }
  if (rows.has('noop')) {
    timed([...sentiops, 'repro'], {cwd: defaultDir})
    section('noop', '`repro` with everything up to date', '≤ 3× node -e 0', fast([
      {tool: 'sentiops repro (no-op)', argv: [...sentiops, 'repro'], cwd: defaultDir},
      {tool: 'node -e 0', argv: [process.execPath, '-e', '0'], baseline: true},
    ]))
  }
  if (rows.has('help')) {
    section('help', '`sentiops --help` and `sentiops predict --help`', '≤ 1.6× node -e 0', fast([
      {tool: 'sentiops --help', argv: [...sentiops, '--help']},
      {tool: 'sentiops predict --help', argv: [...sentiops, 'predict', '--help']},
      {tool: 'node -e 0', argv: [process.execPath, '-e', '0'], baseline: true},
    ]))
  }
  if (rows.has('predict')) {
    const x10 = await repeatData(10, false)
    const pkl = path.join(work, 'sk-model.pkl')
    timed([PY, skTrain, data, '--save', pkl, '--single-n', '0'])
    const n = readFileSync(x10, 'utf8').split('\n').length - 2
    section('predict', `\`predict --input\` MR ×10 (${n.toLocaleString('en-US')} texts) → JSON lines`, '≥ 2× faster than sk_predict_cli.py', compare(reps, [
      {tool: 'sentiops predict (default-params model)', argv: [...sentiops, 'predict', '--model', path.join(defaultDir, 'models/model'), '--input', x10, '--output', path.join(work, 'pred.jsonl')]},
      {tool: 'scikit-learn bench/sk_predict_cli.py (sk_train.py defaults model)', argv: [PY, path.join(here, 'sk_predict_cli.py'), pkl, x10, path.join(work, 'sk-pred.jsonl'), a.baseline], baseline: true},
    ]))
  }
  if (rows.has('scale')) {
    const big = await repeatData(100, true)
    const dir = project('scale', {source: big})
    const n = readFileSync(big, 'utf8').split('\n').length - 2
    const tools = [
      {tool: 'sentiops repro --force (SENTIOPS_TRACKING=off)', argv: [...sentiops, 'repro', '--force'], cwd: dir, env: {SENTIOPS_TRACKING: 'off'}, accuracy: metricsAccuracy(dir)},
      {tool: 'scikit-learn sk_train.py --ngram 2 --max-features 50000', argv: [PY, skTrain, big, '--ngram', '2', '--max-features', '50000', '--single-n', '0'], accuracy: skAccuracy, baseline: true},
    ]
    const list = compare(1, tools)
    if (have('fasttext')) list.push(fastText(big))
    // Every MR text is in the data 100 times (suffixes differ), so train and test share texts: accuracy ≈ 1 says nothing here.
    section('scale', `MR ×100 with a unique suffix word per copy (${n.toLocaleString('en-US')} texts), whole run, one run each; accuracy meaningless (copies straddle the split)`, '≤ 0.7× sklearn wall, ≤ 1 GiB peak RSS', list)
  }
} finally {
  console.log(`\nload average at the end: ${loadavg()}`)
  if (a.json) writeFileSync(a.json, JSON.stringify({date: new Date().toISOString(), node: process.versions.node, data, sections: results}, null, 2) + '\n')
  if (!a.keep) rmSync(work, {recursive: true, force: true})
  else console.log(`kept ${work}`)
}

/**
 * Debian's fastText (C++, 2 threads, word bigrams, 5 epochs) on the same texts: lowercased, punctuation to
 * spaces, 80/20 split by row number (every 5th row is test). Times supervised + test; accuracy = precision@1.
 */
function fastText(csv) {
  const lines = readFileSync(csv, 'utf8').replace(/\n$/, '').split('\n').slice(1)
  const test = []
  const trainLines = []
  lines.forEach((l, i) => {
    const m = /^(?:"((?:[^"]|"")*)"|([^,]*)),(\S+)$/.exec(l)
    if (!m) return
    const text = (m[1] ?? m[2]).replaceAll('""', '"').toLowerCase().replace(/[^\p{L}\p{N}']+/gu, ' ').trim()
    ;(i % 5 === 4 ? test : trainLines).push(`__label__${m[3]} ${text}`)
  })
  writeFileSync(path.join(work, 'ft-train.txt'), trainLines.join('\n') + '\n')
  writeFileSync(path.join(work, 'ft-test.txt'), test.join('\n') + '\n')
  const fit = timed(['fasttext', 'supervised', '-input', path.join(work, 'ft-train.txt'), '-output', path.join(work, 'ft-model'), '-wordNgrams', '2', '-epoch', '5', '-thread', '2', '-verbose', '0'])
  const ev = timed(['fasttext', 'test', path.join(work, 'ft-model.bin'), path.join(work, 'ft-test.txt')])
  const accuracy = Number(/P@1\s+([\d.]+)/.exec(ev.stdout)?.[1])
  return {tool: 'fastText 0.9 (Debian fasttext: supervised + test, 2 threads, bigrams, 5 epochs; text prep not timed)', command: `fasttext supervised -input $WORK/ft-train.txt -output $WORK/ft-model -wordNgrams 2 -epoch 5 -thread 2 && fasttext test $WORK/ft-model.bin $WORK/ft-test.txt`,
    runs: 1, medianWall: fit.wall + ev.wall, minWall: fit.wall + ev.wall, medianCpu: fit.cpu + ev.cpu, peakRssMb: Math.max(fit.rssMb, ev.rssMb), accuracy}
}
