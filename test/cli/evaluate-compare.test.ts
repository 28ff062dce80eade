import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sentiops, sentiopsAsync, tempProject} from '../support/cli.js'
import {trainModel} from '../serve/support/model.js'
import {exactMcNemarP} from '../evaluation/mcnemar-oracle.js'
import {FakeMlflowServer} from '../tracking/fake-mlflow-server.js'

/**
 * `evaluate --model/--data`, `compare` and `register --significance` through the real binary, on models trained
 * on the built-in data: a good one (lr), a near twin (lr with C = 3) and one trained on shuffled labels.
 */

/** A CSV of text,label rows (RFC 4180 quoting). */
function csv(rows: Array<{text: string; label: number}>): string {
  return ['text,label', ...rows.map(r => `"${r.text.replaceAll('"', '""')}",${r.label}`)].join('\n') + '\n'
}

function parseCsv(text: string): Array<{text: string; label: number}> {
  const rows: Array<{text: string; label: number}> = []
  const re = /(?:"((?:[^"]|"")*)"|([^,\n]*)),(\d+)\n/g
  const body = text.slice(text.indexOf('\n') + 1)
  for (const m of body.matchAll(re)) rows.push({text: m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2], label: Number(m[3])})
  return rows
}

let cwd: string
let good: string
let twin: string
let shuffled: string
let testRows: Array<{text: string; label: number}>
const DATA = 'data/raw/test.csv'
const CLASSES = ['negative', 'positive']
const run = (...args: string[]) => sentiops(args, {cwd, env: {USER: 'eval-user'}})
const json = (...args: string[]) => {
  const r = run(...args, '--json')
  return {...r, body: JSON.parse(r.stdout)}
}

/** Per text of the test split: is this model's `sentiops predict` label right? (the oracle for McNemar). */
function correctness(model: string): boolean[] {
  const r = run('predict', '--model', model, '--input', DATA)
  expect(r.code, r.stderr).toBe(0)
  const labels = r.stdout.trim().split('\n').map(l => JSON.parse(l).label as string)
  expect(labels).toHaveLength(testRows.length)
  return labels.map((label, i) => label === CLASSES[testRows[i].label])
}

function discordant(a: boolean[], b: boolean[]): {b: number; c: number} {
  return {b: a.filter((ok, i) => ok && !b[i]).length, c: a.filter((ok, i) => !ok && b[i]).length}
}

beforeAll(async () => {
  cwd = await tempProject('sentiops-eval-compare-')
  good = (await trainModel(cwd)).dir
  twin = (await trainModel(cwd, {'train.lr.C': 3, 'train.model_dir': 'models/twin'})).dir
  testRows = parseCsv(await readFile(path.join(cwd, DATA), 'utf8'))
  // Same texts as the training split, labels permuted (seeded LCG): a model that learned nothing real.
  const train = parseCsv(await readFile(path.join(cwd, 'data/raw/train.csv'), 'utf8'))
  let s = 12345
  const labels = train.map(r => r.label)
  for (let i = labels.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const j = s % (i + 1)
    ;[labels[i], labels[j]] = [labels[j], labels[i]]
  }
  const other = await tempProject('sentiops-eval-shuffled-')
  await writeFile(path.join(other, 'shuffled.csv'), csv(train.map((r, i) => ({text: r.text, label: labels[i]}))))
  shuffled = (await trainModel(other, {'ingest.source': 'shuffled.csv'})).dir
}, 120_000)

describe('evaluate --model --data (real CLI)', () => {
  it('scores a registered model on a data file, writes the report to --out and a tracked run linked to the version', async () => {
    const reg = run('register', '--model-dir', good, '--name', 'sentiment', '--alias', 'champion')
    expect(reg.code, reg.stderr).toBe(0)
    const r = json('evaluate', '--model', 'models:/sentiment@champion', '--data', DATA, '--out', 'reports/golden')
    expect(r.code, r.stderr).toBe(0)
    for (const f of ['metrics.json', 'plots/roc.json', 'plots/prc.json', 'plots/confusion.csv', 'plots/roc.svg', 'plots/confusion.svg']) {
      expect(existsSync(path.join(cwd, 'reports/golden', f)), f).toBe(true)
    }
    const metrics = JSON.parse(await readFile(path.join(cwd, 'reports/golden/metrics.json'), 'utf8'))
    const right = correctness(good)
    expect(metrics.n_samples).toBe(testRows.length)
    expect(metrics.accuracy).toBeCloseTo(right.filter(Boolean).length / right.length, 12)
    // The pipeline's own report is left alone.
    expect(existsSync(path.join(cwd, 'reports/metrics.json'))).toBe(false)

    const runId = r.body.result.run.runId as string
    const runDir = path.join(cwd, 'mlruns/0', runId)
    const tag = (key: string) => readFile(path.join(runDir, 'tags', key), 'utf8')
    expect(await tag('sentiops.model.name')).toBe('sentiment')
    expect(await tag('sentiops.model.version')).toBe('1')
    expect(await tag('sentiops.model.uri')).toBe('models:/sentiment@champion')
    expect(await tag('sentiops.data.source')).toBe(DATA)
    expect(await tag('sentiops.data.md5')).toBe(createHash('md5').update(await readFile(path.join(cwd, DATA))).digest('hex'))
    const accuracyLine = (await readFile(path.join(runDir, 'metrics/accuracy'), 'utf8')).trim().split(' ')
    expect(Number(accuracyLine[1])).toBeCloseTo(metrics.accuracy, 12)
    expect((await readdir(path.join(runDir, 'artifacts/reports'))).sort()).toEqual(['metrics.json', 'plots'])
  })

  it('defaults --out to reports/eval-<folder>-<path hash>: two bundles both named "model" get their own reports', async () => {
    // good is <cwd>/models/model, shuffled <other>/models/model: the same folder name.
    expect(path.basename(good)).toBe(path.basename(shuffled))
    const first = json('evaluate', '--model', good, '--no-track')
    const second = json('evaluate', '--model', shuffled, '--no-track')
    expect(first.code, first.stderr).toBe(0)
    expect(second.code, second.stderr).toBe(0)
    const sha8 = (dir: string) => createHash('sha256').update(dir).digest('hex').slice(0, 8)
    expect(first.body.result.outDir).toBe(path.join(cwd, 'reports', `eval-model-${sha8(good)}`))
    expect(second.body.result.outDir).toBe(path.join(cwd, 'reports', `eval-model-${sha8(shuffled)}`))
    for (const [model, out] of [[good, first.body.result.outDir], [shuffled, second.body.result.outDir]]) {
      const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'))
      const right = correctness(model)
      expect(metrics.accuracy).toBeCloseTo(right.filter(Boolean).length / right.length, 12)
    }
  })

  it('names a class the model does not know in one line and exits 1', async () => {
    await writeFile(path.join(cwd, 'three.csv'), 'text,label\ngreat,0\nawful,1\nmeh,2\n')
    const r = run('evaluate', '--model', good, '--data', 'three.csv', '--no-track', '--set', 'ingest.class_names=[negative,positive,neutral]')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: three\.csv: class 'neutral' is not one the model at .* predicts \(its classes: negative, positive\)$/m)
  })
})

describe('evaluate against an MLflow server (contract fake)', () => {
  let fake: FakeMlflowServer
  beforeAll(async () => {
    fake = await new FakeMlflowServer().start()
  })
  afterAll(async () => {
    await fake.stop()
  })

  const cli = (args: string[]) => sentiopsAsync(args, {cwd, env: {USER: 'eval-user', MLFLOW_TRACKING_URI: fake.url}})

  it('resolves the version through the server and tags the evaluation run with it', async () => {
    const reg = await cli(['register', '--model-dir', good, '--name', 'remote', '--alias', 'champion'])
    expect(reg.code, reg.stderr).toBe(0)
    const r = await cli(['evaluate', '--model', 'models:/remote@champion', '--data', DATA, '--out', 'reports/remote', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const recorded = fake.runs.get(JSON.parse(r.stdout).result.run.runId)!
    expect(recorded.tags.get('sentiops.model.name')).toBe('remote')
    expect(recorded.tags.get('sentiops.model.version')).toBe('1')
    expect(recorded.tags.get('sentiops.stage')).toBe('evaluate')
    expect(recorded.metrics.has('accuracy')).toBe(true)
  })
})

describe('compare A B --data (real CLI)', () => {
  it('a model on shuffled labels vs the good one: McNemar p is tiny and every interval excludes 0', () => {
    const r = json('compare', shuffled, good, '--data', DATA)
    expect(r.code, r.stderr).toBe(0)
    const res = r.body.result
    const {b, c} = discordant(correctness(shuffled), correctness(good))
    expect(res.mcnemar).toMatchObject({b, c})
    expect(res.mcnemar_p).toBeCloseTo(exactMcNemarP(b, c), 15)
    expect(res.mcnemar_p).toBeLessThan(1e-6)
    expect(res.n).toBe(testRows.length)
    expect(Object.keys(res.deltas)).toEqual(['accuracy', 'f1', 'roc_auc', 'macro_f1', 'log_loss'])
    const acc = res.deltas.accuracy
    expect(acc.delta).toBeCloseTo(acc.b - acc.a, 12)
    expect(acc.delta).toBeCloseTo((c - b) / testRows.length, 12)
    for (const m of ['accuracy', 'f1', 'roc_auc', 'macro_f1']) expect(res.deltas[m].ci95[0], m).toBeGreaterThan(0)
    expect(res.deltas.log_loss.ci95[1]).toBeLessThan(0)
  })

  it('two near-identical models: p above 0.05, matching the hand-computed test, and the accuracy interval holds 0', () => {
    const r = json('compare', good, twin, '--data', DATA)
    expect(r.code, r.stderr).toBe(0)
    const res = r.body.result
    const {b, c} = discordant(correctness(good), correctness(twin))
    expect(b + c).toBeGreaterThan(0)
    expect(res.mcnemar).toMatchObject({b, c})
    expect(res.mcnemar_p).toBeCloseTo(exactMcNemarP(b, c), 12)
    expect(res.mcnemar_p).toBeGreaterThan(0.05)
    const [lo, hi] = res.deltas.accuracy.ci95
    expect(lo).toBeLessThan(0)
    expect(hi).toBeGreaterThan(0)
  })

  it('--md prints a Markdown table; text output says delta = B − A', () => {
    const md = run('compare', good, twin, '--data', DATA, '--md')
    expect(md.code, md.stderr).toBe(0)
    const lines = md.stdout.split('\n')
    expect(lines).toContain('| metric | A | B | delta (B − A) | 95% CI |')
    expect(lines.filter(l => /^\| (accuracy|f1|roc_auc|macro_f1|log_loss)/.test(l))).toHaveLength(5)
    const text = run('compare', good, twin, '--data', DATA)
    expect(text.stdout).toMatch(/^metric\s+A\s+B\s+delta \(B − A\)\s+95% CI$/m)
    expect(text.stdout).toMatch(/^McNemar's exact test: \d+ texts only A got right, \d+ only B got right, p = /m)
  })
})

describe('register --against --data --significance (real CLI)', () => {
  const gate = (model: string, ...extra: string[]) =>
    run('register', '--model-dir', model, '--name', 'gated', '--alias', 'champion', '--against', 'models:/gated@champion', '--data', DATA, '--significance', '0.05', ...extra)
  const champion = async () => (await readFile(path.join(cwd, 'mlruns/models/gated/aliases/champion'), 'utf8').catch(() => '')).trim()

  it('promotes a challenger that is better with significance', async () => {
    expect(gate(shuffled).code).toBe(0) // the first model: nothing to beat
    const r = gate(good)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/ok {3}accuracy 0\.\d{4} vs 0\.\d{4} of models:\/gated@champion \(version 1\) on \d+ texts \(gain \+0\.\d{4}\): McNemar's exact one-sided test p = P\(X ≥ \d+ \| \d+, ½\) = [\d.e-]+ \(only the candidate right on \d+ texts, only the reference on \d+\) < α = 0\.05/)
    expect(r.stdout).toMatch(/^\s+accuracy\s+0\.\d{4}\s+0\.\d{4}\s+\+0\.\d{4}\s+\[\+0\.\d{4}, \+0\.\d{4}\]$/m)
  })

  it('refuses a challenger whose gain is noise: exit 3 with the figures, the version stays registered', () => {
    const r = gate(twin)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/^Error: models:\/gated\/3 is registered but not promoted: gate against models:\/gated@champion \(version 2\) failed: accuracy .* McNemar's exact one-sided test p = P\(X ≥ \d+ \| \d+, ½\) = [\d.]+ .* ≥ α = 0\.05: not significant$/m)
    expect(r.stdout).toMatch(/^\s+McNemar's exact test: \d+ texts only A got right, \d+ only B got right, p = /m)
    expect(r.stdout).toMatch(/^\s+log_loss \(lower is better\)/m)
    const versions = json('models', 'versions', 'gated').body.result.versions as Array<{version: string; tags: Record<string, string>; aliases: string[]}>
    expect(versions.map(v => [v.version, v.tags['sentiops.gate'], v.aliases])).toEqual([['3', 'rejected', []], ['2', 'passed', ['champion']], ['1', 'passed', []]])
  })

  it('non-inferiority: a negative --min-delta accepts the twin within the margin, and refuses the shuffled model', async () => {
    const ok = gate(twin, '--min-delta=-0.03')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/one-sided 95% lower bound of the gain \(lower end of the 90% paired-bootstrap interval\) [+-]\d\.\d{4} > margin -0\.0300 \(non-inferiority at α = 0\.05\)/)
    expect(await champion()).toBe('4')
    const bad = gate(shuffled, '--min-delta', '-0.03')
    expect(bad.code).toBe(3)
    expect(bad.stderr).toMatch(/≤ margin -0\.0300 \(non-inferiority at α = 0\.05\)/)
  })

  it('usage errors: a negative min-delta without the paired test, --data without --significance', () => {
    const neg = run('register', '--model-dir', good, '--name', 'gated', '--against', 'models:/gated@champion', '--metric', 'f1', '--min-delta=-0.01')
    expect(neg.code).toBe(2)
    expect(neg.stderr).toContain('a negative margin (non-inferiority) needs --significance with --data')
    const noSig = run('register', '--model-dir', good, '--name', 'gated', '--against', 'models:/gated@champion', '--data', DATA)
    expect(noSig.code).toBe(2)
    expect(noSig.stderr).toContain('--data is the data of the paired test: add --significance')
  })
})

describe('review fixes (real CLI)', () => {
  /** Per line of `file`, what `sentiops predict` says with this model. */
  function predicted(model: string, file: string): Array<{label: string; probabilities: Record<string, number>}> {
    const r = run('predict', '--model', model, '--input', file)
    expect(r.code, r.stderr).toBe(0)
    return r.stdout.trim().split('\n').map(l => JSON.parse(l))
  }

  it('pipeline evaluate scores at a numeric --set evaluate.threshold and warns that predict/serve keep the stored one', () => {
    const out = ['--set', 'evaluate.metrics_file=reports/pipe/metrics.json', '--set', 'evaluate.plots_dir=reports/pipe/plots', '--no-track']
    const r = json('evaluate', '--set', 'evaluate.threshold=0.9', ...out)
    expect(r.code, r.stderr).toBe(0)
    // Oracle: predict's P(positive) against 0.9, per test text.
    const atNine = predicted(good, DATA).map((p, i) => (p.probabilities.positive > 0.9 ? 1 : 0) === testRows[i].label)
    const atStored = correctness(good)
    expect(atNine.filter(Boolean).length).not.toBe(atStored.filter(Boolean).length)
    expect(r.body.result.metrics.accuracy).toBeCloseTo(atNine.filter(Boolean).length / atNine.length, 12)
    expect(r.body.warnings.join('\n')).toMatch(/evaluate\.threshold = 0\.9: scored at 0\.9, but predict and serve decide at the model's stored threshold 0\.5; `sentiops train` \(or `sentiops repro`, .*\) stores the new one/)
    // --model: the model as it serves; evaluate.threshold does not apply.
    const asServed = json('evaluate', '--model', good, '--set', 'evaluate.threshold=0.9', '--out', 'reports/served', '--no-track')
    expect(asServed.code, asServed.stderr).toBe(0)
    expect(asServed.body.result.threshold).toBe(0.5)
    expect(asServed.body.result.metrics.accuracy).toBeCloseTo(atStored.filter(Boolean).length / atStored.length, 12)
  })

  it('scores a golden set as given: duplicates kept, empty texts scored and counted', async () => {
    const rows = [...testRows, ...testRows.slice(0, 7), {text: '', label: 1}]
    await writeFile(path.join(cwd, 'golden.csv'), csv(rows))
    const r = json('evaluate', '--model', good, '--data', 'golden.csv', '--out', 'reports/golden-dups', '--no-track')
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.result.rows).toBe(rows.length)
    const right = predicted(good, 'golden.csv').map((p, i) => p.label === CLASSES[rows[i].label])
    expect(right).toHaveLength(rows.length)
    const metrics = JSON.parse(await readFile(path.join(cwd, 'reports/golden-dups/metrics.json'), 'utf8'))
    expect(metrics.n_samples).toBe(rows.length)
    expect(metrics.accuracy).toBeCloseTo(right.filter(Boolean).length / rows.length, 12)
    expect(r.body.warnings).toContain(`golden.csv: 1 of ${rows.length} texts are empty; they are scored as given`)
    const c = json('compare', good, twin, '--data', 'golden.csv')
    expect(c.code, c.stderr).toBe(0)
    expect(c.body.result.n).toBe(rows.length)
  })

  it('a label that maps to no class is an error naming the count and the first row, not a silent drop', async () => {
    await writeFile(path.join(cwd, 'mapped.csv'), 'text,label\ngreat film,pos\nawful film,neg\nso so,meh\nfine,positive\nbad,meh\n')
    const map = ['--set', 'ingest.label_map={pos: 1, neg: 0}']
    const r = run('evaluate', '--model', good, '--data', 'mapped.csv', '--no-track', ...map)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: mapped\.csv: 2 of 5 rows have a label that maps to no class of negative, positive, first at mapped\.csv:4: "meh"$/m)
    const c = run('compare', good, twin, '--data', 'mapped.csv', ...map)
    expect(c.code).toBe(1)
    expect(c.stderr).toContain('mapped.csv: 2 of 5 rows have a label that maps to no class')
  })

  it('without --data outside a pipeline directory, says to pass --data', async () => {
    const elsewhere = await tempProject('sentiops-eval-nodata-')
    const r = sentiops(['compare', good, twin], {cwd: elsewhere})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: no --data given and no held-out split at data\/raw\/test\.csv\n {2}hint: pass --data FILE/)
    expect(r.stderr).not.toContain('sentiops ingest')
  })

  it('compare: --md names the data file, its md5 and n; --json has a stable ci and confidence next to ci95/ci90', async () => {
    const md5 = createHash('md5').update(await readFile(path.join(cwd, DATA))).digest('hex')
    const md = run('compare', good, twin, '--data', DATA, '--md')
    expect(md.code, md.stderr).toBe(0)
    expect(md.stdout.split('\n')[0]).toContain(`on \`${DATA}\` (md5 \`${md5}\`, ${testRows.length} texts)`)
    const at95 = json('compare', good, twin, '--data', DATA).body.result
    expect(at95.data).toEqual({source: DATA, md5, n: testRows.length})
    expect(at95.deltas.accuracy).toMatchObject({ci: at95.deltas.accuracy.ci95, confidence: 0.95, resamples_used: 2000})
    const at90 = json('compare', good, twin, '--data', DATA, '--set', 'compare.confidence=0.9').body.result
    expect(at90.deltas.accuracy.ci).toEqual(at90.deltas.accuracy.ci90)
    expect(at90.deltas.accuracy.confidence).toBe(0.9)
  })

  it('compare with one model: a one-line usage error, exit 2', () => {
    const r = run('compare', good)
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe(`Error: compare needs two models, A (the reference) and B (the challenger); got only '${good}'`)
  })

  it('register takes --set: compare.confidence and compare.resamples change the gate\'s table for this run', () => {
    expect(run('register', '--model-dir', good, '--name', 'setgate', '--alias', 'champion').code).toBe(0)
    const r = run('register', '--model-dir', twin, '--name', 'setgate', '--alias', 'champion', '--against', 'models:/setgate@champion', '--data', DATA, '--significance', '0.05', '--set', 'compare.confidence=0.9', '--set', 'compare.resamples=500')
    expect(r.code, r.stderr).toBe(3)
    expect(r.stdout).toMatch(/^\s+metric\s+A\s+B\s+delta \(B − A\)\s+90% CI$/m)
    expect(r.stdout).toMatch(/paired bootstrap: 500 resamples/)
  })
})
