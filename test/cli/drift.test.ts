import {copyFile, cp, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sentiops, sentiopsAsync, tempProject} from '../support/cli.js'
import {FakeMlflowServer} from '../tracking/fake-mlflow-server.js'

const SIGNALS = ['text_length', 'token_count', 'oov_rate', 'score']

interface Row {
  text: string
  label: string
}

/** A model trained on 80% of the built-in data, and the other 20% kept aside as new in-domain traffic. */
describe('sentiops drift (real binary, built-in data)', () => {
  let project: string
  let holdout: Row[]
  const run = (args: string[]) => sentiops(args, {cwd: project})
  const json = (args: string[]) => {
    const r = run([...args, '--json'])
    return {code: r.code, stderr: r.stderr, body: JSON.parse(r.stdout)}
  }
  const writeJsonl = (name: string, rows: object[]) => writeFile(path.join(project, name), rows.map(r => JSON.stringify(r)).join('\n') + '\n')

  beforeAll(async () => {
    // ingest's own 80/20 split of builtin:uci: the 80% becomes the project's data, the 20% is never seen by it.
    const source = await tempProject('sentiops-drift-src-')
    expect(sentiops(['ingest'], {cwd: source}).code).toBe(0)
    project = await tempProject('sentiops-drift-')
    await copyFile(path.join(source, 'data/raw/train.csv'), path.join(project, 'corpus.csv'))
    await copyFile(path.join(source, 'data/raw/test.csv'), path.join(project, 'holdout.csv'))
    holdout = parse(await readFile(path.join(project, 'holdout.csv')), {columns: true}) as Row[]
    const repro = run(['repro', '--set', 'ingest.source=corpus.csv'])
    expect(repro.code, repro.stderr).toBe(0)
  }, 120_000)

  it('the test split the profile was made from: no drift, every PSI only the ½-per-bin smoothing, the accuracy evaluate reported', async () => {
    const r = json(['drift', '--data', 'data/raw/test.csv'])
    expect(r.code, r.stderr).toBe(0)
    const result = r.body.result
    const profile = JSON.parse(await readFile(path.join(project, 'models/model/bundle.json'), 'utf8')).profile
    const metrics = JSON.parse(await readFile(path.join(project, 'reports/metrics.json'), 'utf8'))
    expect(result.drift).toBe(false)
    expect(result.signals_drifted).toEqual([])
    expect(result.n).toBe(profile.n)
    // Same texts as the profile → bin counts N·e, observed shares (N·e + ½)/(N + bins/2): PSI written out.
    for (const s of SIGNALS) {
      const shares: number[] = profile.signals[s].shares
      const smoothed = (e: number) => (profile.n * e + 0.5) / (profile.n + 0.5 * shares.length)
      expect(result.psi[s], s).toBeCloseTo(shares.reduce((sum, e) => sum + (smoothed(e) - e) * Math.log(smoothed(e) / e), 0), 12)
      expect(result.psi[s], s).toBeLessThan(0.001)
      expect(result.psi_noise[s], s).toBeCloseTo((shares.length - 1) * (2 / profile.n), 12)
    }
    expect(result.class_mix.max_shift).toBe(0)
    expect(result.oov_share.change).toBe(0)
    expect(result.accuracy.now).toBeCloseTo(metrics.accuracy, 12)
    expect(result.accuracy.labeled).toBe(profile.n)
  })

  it('held-out texts of the same kind: exit 0, every PSI under 0.1, "no drift"', () => {
    const r = run(['drift', '--data', 'holdout.csv'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^no drift \(PSI > 0\.2, class shift > 0\.1, accuracy drop > 0\.05\)$/m)
    const result = json(['drift', '--data', 'holdout.csv']).body.result
    expect(result).toMatchObject({drift: false, n: holdout.length, signals_drifted: []})
    for (const s of SIGNALS) expect(result.psi[s], s).toBeLessThan(0.1)
    expect(result.class_mix.max_shift).toBeLessThan(0.1)
    console.log(`in-domain (held-out) PSI: ${JSON.stringify(result.psi)}`)
  })

  it('much longer texts (two reviews each, as many texts as monitor.min_samples): exit 5, naming text_length and token_count with their PSI', async () => {
    const long = Array.from({length: Math.floor(holdout.length / 2)}, (_, i) => ({text: holdout.slice(i * 2, i * 2 + 2).map(r => r.text).join(' ')}))
    expect(long.length).toBeLessThan(300)
    await writeJsonl('long.jsonl', long)
    const few = run(['drift', '--data', 'long.jsonl'])
    expect(few.stderr.split('\n')[0]).toBe(`Error: long.jsonl: ${long.length} texts, fewer than monitor.min_samples (300): too few to judge drift`)
    const enough = ['--set', `monitor.min_samples=${long.length}`]
    const r = run(['drift', '--data', 'long.jsonl', ...enough])
    expect(r.code, r.stderr).toBe(5)
    expect(r.stdout).toMatch(/^ {2}text_length +PSI +\d+\.\d{4} +\(noise 0\.\d{3}\) +DRIFT$/m)
    expect(r.stdout).toMatch(/^DRIFT in .*text_length.*: text_length: PSI \d+\.\d{3} > 0\.2; token_count: PSI \d+\.\d{3} > 0\.2/m)
    const j = json(['drift', '--data', 'long.jsonl', ...enough])
    expect(j.code).toBe(5)
    expect(j.body.result.signals_drifted).toEqual(expect.arrayContaining(['text_length', 'token_count']))
    expect(j.body.result.psi.text_length).toBeGreaterThan(1)
    expect(j.body.result.accuracy).toBeUndefined() // no labels in the file
    console.log(`out-of-domain (long texts) PSI: ${JSON.stringify(j.body.result.psi)}`)
  })

  it('texts of unknown words: exit 5 with oov_rate, every word out of the vocabulary', async () => {
    // Made-up consonant words (a fixed LCG), 8 per text: none can be an English word in the vocabulary.
    let seed = 12345
    const letter = () => 'bcdfghjklmnpqrstvwxz'[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % 20]
    const texts = Array.from({length: 300}, () => ({text: Array.from({length: 8}, () => 'zq' + Array.from({length: 5}, letter).join('')).join(' ')}))
    await writeJsonl('unknown.jsonl', texts)
    const j = json(['drift', '--data', 'unknown.jsonl'])
    expect(j.code, j.stderr).toBe(5)
    expect(j.body.status).toBe('ok')
    const result = j.body.result
    expect(result.drift).toBe(true)
    expect(result.signals_drifted).toContain('oov_rate')
    expect(result.oov_share.now).toBe(1)
    expect(result.psi.oov_rate).toBeGreaterThan(1)
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['drift', 'psi', 'class_mix', 'oov_share', 'signals_drifted', 'n', 'thresholds', 'model']))
    console.log(`out-of-domain (unknown words) PSI: ${JSON.stringify(result.psi)}`)
  })

  it('the same texts with flipped labels: only the accuracy drifted, to 1 − the held-out accuracy', async () => {
    await writeJsonl('flipped.jsonl', holdout.map(r => ({text: r.text, label: r.label === '1' ? 0 : 1})))
    const before = json(['drift', '--data', 'holdout.csv']).body.result.accuracy.now
    const j = json(['drift', '--data', 'flipped.jsonl'])
    expect(j.code, j.stderr).toBe(5)
    expect(j.body.result.signals_drifted).toEqual(['accuracy'])
    expect(j.body.result.accuracy.now).toBeCloseTo(1 - before, 12)
  })

  it('labels may be class names; empty labels count as unlabeled, unknown ones are left out with a warning', async () => {
    const names = ['negative', 'positive']
    // 320 rows: 0-299 labeled by class name, 300-309 with no label, 310-319 with a label that is no class.
    const rows = holdout.slice(0, 320).map((r, i) => ({text: r.text, label: i < 300 ? names[Number(r.label)] : i < 310 ? '' : 'meh'}))
    await writeJsonl('named.jsonl', rows)
    const j = json(['drift', '--data', 'named.jsonl'])
    expect([0, 5], j.stderr).toContain(j.code)
    expect(j.body.result.n).toBe(320)
    expect(j.body.result.accuracy.labeled).toBe(300)
    expect(j.body.result.unmapped_labels).toBe(10)
    expect(j.body.warnings).toEqual(['named.jsonl: 10 rows have a label that maps to no class (ingest.label_map, ingest.class_names): left out of the accuracy'])
  })

  it('only positive reviews: the predicted class mix moved', async () => {
    const positive = holdout.filter(r => r.label === '1').map(r => ({text: r.text}))
    await writeJsonl('positive.jsonl', positive)
    const j = json(['drift', '--data', 'positive.jsonl', '--set', `monitor.min_samples=${Math.min(positive.length, 300)}`])
    expect(j.code, j.stderr).toBe(5)
    expect(j.body.result.signals_drifted).toContain('class_mix')
    expect(j.body.result.class_mix.classes.positive.change).toBeGreaterThan(0.1)
    expect(j.body.result.class_mix.classes.positive.change).toBeGreaterThan(j.body.result.class_mix.classes.positive.noise)
  })

  it('thresholds come from params and --set: a strict PSI threshold turns the held-out texts into drift', () => {
    const j = json(['drift', '--data', 'holdout.csv', '--set', 'monitor.psi_threshold=0.000001'])
    expect(j.code).toBe(5)
    expect(j.body.result.thresholds.psi_threshold).toBe(0.000001)
    expect(j.body.result.signals_drifted.length).toBeGreaterThan(0)
  })

  it('fewer texts than monitor.min_samples: a one-line error, exit 1; a lower min_samples judges them', async () => {
    await writeJsonl('few.jsonl', holdout.slice(0, 40).map(r => ({text: r.text})))
    const r = run(['drift', '--data', 'few.jsonl'])
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe('Error: few.jsonl: 40 texts, fewer than monitor.min_samples (300): too few to judge drift')
    const j = json(['drift', '--data', 'few.jsonl', '--set', 'monitor.min_samples=40'])
    expect([0, 5]).toContain(j.code)
    expect(j.body.result.n).toBe(40)
  })

  it('a missing file or one without a text column: one-line error, exit 1', async () => {
    const missing = run(['drift', '--data', 'nope.csv'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Error: nope\.csv: no such file\n/)
    await writeFile(path.join(project, 'reviews.csv'), 'review,stars\nfine,5\nbad,1\n')
    const noColumn = run(['drift', '--data', 'reviews.csv'])
    expect(noColumn.code).toBe(1)
    expect(noColumn.stderr).toMatch(/^Error: reviews\.csv:1: no column "text" \(ingest\.text_column\)/)
  })

  it('a bundle without a training profile (older sentiops): one-line error telling to retrain', async () => {
    const old = path.join(project, 'old-model')
    await mkdir(old, {recursive: true})
    await cp(path.join(project, 'models/model'), old, {recursive: true})
    const meta = JSON.parse(await readFile(path.join(old, 'bundle.json'), 'utf8'))
    delete meta.profile
    await writeFile(path.join(old, 'bundle.json'), JSON.stringify(meta))
    const r = run(['drift', '--model', 'old-model', '--data', 'holdout.csv'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: .*old-model: the model bundle has no training profile .*retrain it with `sentiops train`/)
  })

  it('a registered model (models:/ URI) carries the profile: the same PSI as its bundle directory', () => {
    const reg = run(['register', '--model-dir', 'models/model', '--alias', 'champion'])
    expect(reg.code, reg.stderr).toBe(0)
    const registered = json(['drift', '--model', 'models:/sentiment@champion', '--data', 'holdout.csv'])
    expect(registered.code, registered.stderr).toBe(0)
    expect(registered.body.result.model.uri).toBe('models:/sentiment@champion')
    expect(registered.body.result.psi).toEqual(json(['drift', '--data', 'holdout.csv']).body.result.psi)
  })

  it('--help has examples and the exit code 5', () => {
    const r = run(['drift', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/sentiops drift --data new-reviews\.csv/)
    expect(r.stdout).toMatch(/^ {2}5 {3}drift detected \(sentiops drift\)$/m)
    expect(r.stdout).toMatch(/--tracking-uri=<value>/)
  })

  describe('--tracking-uri: models:/ resolves through an MLflow server (contract fake)', () => {
    let fake: FakeMlflowServer
    beforeAll(async () => {
      fake = await new FakeMlflowServer().start()
    })
    afterAll(async () => {
      await fake.stop()
    })

    const cli = (args: string[]) => sentiopsAsync(args, {cwd: project})

    it('drift --model models:/remote@champion --tracking-uri URL reads the version from the server: the PSI of the bundle directory', async () => {
      const reg = await cli(['register', '--model-dir', 'models/model', '--name', 'remote', '--alias', 'champion', '--tracking-uri', fake.url])
      expect(reg.code, reg.stderr).toBe(0)
      const r = await cli(['drift', '--model', 'models:/remote@champion', '--tracking-uri', fake.url, '--data', 'holdout.csv', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const result = JSON.parse(r.stdout).result
      expect(result.model.uri).toBe('models:/remote@champion')
      expect(result.psi).toEqual(json(['drift', '--data', 'holdout.csv']).body.result.psi)
      expect(fake.calls('GET registered-models/alias').map(c => [c.query.get('name'), c.query.get('alias')])).toContainEqual(['remote', 'champion'])
      // Without the flag (and no MLFLOW_TRACKING_URI) the registry is ./mlruns, where no model is named remote.
      const local = await cli(['drift', '--model', 'models:/remote@champion', '--data', 'holdout.csv'])
      expect(local.code).toBe(1)
      expect(local.stderr.split('\n')[0]).toMatch(/remote/)
    })
  })
})
