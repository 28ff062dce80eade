import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {loadBundle} from '../../src/core/bundle/index.js'
import {sentiops, tempProject} from '../support/cli.js'

async function dirDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) out[name] = createHash('md5').update(await readFile(path.join(dir, name))).digest('hex')
  return out
}

describe('sentiops repro on the built-in data (end to end, real binary)', () => {
  let project: string
  let first: {code: number; stdout: string; stderr: string}

  beforeAll(async () => {
    project = await tempProject()
    first = sentiops(['repro', '--json'], {cwd: project})
  })

  it('runs every stage, offline, and prints one JSON result on stdout', () => {
    expect(first.code, first.stderr).toBe(0)
    const out = JSON.parse(first.stdout)
    expect(out.status).toBe('ok')
    expect(out.result.stages.map((s: {name: string; status: string}) => `${s.name}:${s.status}`)).toEqual(['ingest:ran', 'preprocess:ran', 'featurize:ran', 'train:ran', 'evaluate:ran'])
    expect(out.result.metrics.accuracy).toBeGreaterThan(0.75)
    expect(out.result.model).toBe(path.join(project, 'models/model'))
  })

  it('writes the splits, the bundle with an MLmodel file, metrics, plots and a DVC 3 lock', async () => {
    for (const f of ['data/raw/train.csv', 'data/raw/test.csv', 'data/interim/train.csv', 'data/processed/train.csr', 'models/model/MLmodel', 'models/model/bundle.json', 'reports/plots/roc.json', 'reports/plots/confusion.csv', 'reports/plots/roc.svg']) {
      expect(existsSync(path.join(project, f)), f).toBe(true)
    }
    const metrics = JSON.parse(await readFile(path.join(project, 'reports/metrics.json'), 'utf8'))
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss']) expect(typeof metrics[key]).toBe('number')
    const lock = YAML.parse(await readFile(path.join(project, 'dvc.lock'), 'utf8'))
    expect(lock.schema).toBe('2.0')
    expect(Object.keys(lock.stages)).toEqual(['ingest', 'preprocess', 'featurize', 'train', 'evaluate'])
    expect(lock.stages.train.outs[0]).toMatchObject({path: 'models/model', hash: 'md5'})
    const mlmodel = YAML.parse(await readFile(path.join(project, 'models/model/MLmodel'), 'utf8'))
    expect(mlmodel.flavors.sentiops.format).toBe('json')
  })

  it('skips every stage on a second run', () => {
    const again = sentiops(['repro', '--json'], {cwd: project})
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).result.stages.every((s: {status: string}) => s.status === 'skipped')).toBe(true)
  })

  it('a no-op repro answered from the stat stamp prints what the full check prints; a changed --set still runs', async () => {
    // The stamp trusts only files older than 2 s (like DVC's state db, against same-second edits).
    await new Promise(resolve => setTimeout(resolve, 2_100))
    const full = sentiops(['repro'], {cwd: project})
    const fast = sentiops(['repro'], {cwd: project})
    expect(fast.code, fast.stderr).toBe(0)
    expect(fast.stdout).toBe(full.stdout)
    expect(fast.stdout).toMatch(/^skipped\s+evaluate$/m)
    expect(fast.stdout).toMatch(/^metrics: reports\/metrics\.json {2}accuracy 0\.\d+/m)
    const json = JSON.parse(sentiops(['repro', '--json'], {cwd: project}).stdout)
    expect(json.result.fastCheck).toBe(true)
    const changed = sentiops(['repro', '--dry-run', '--json', '--set', 'train.lr.C=7'], {cwd: project})
    const stages = JSON.parse(changed.stdout).result.stages as Array<{name: string; willRun: boolean}>
    expect(stages.filter(s => s.willRun).map(s => s.name)).toEqual(['train', 'evaluate'])
  })

  it('--dry-run with --set names the param that changed and runs nothing', async () => {
    const before = await readFile(path.join(project, 'dvc.lock'), 'utf8')
    const dry = sentiops(['repro', '--dry-run', '--set', 'train.algorithm=mnb'], {cwd: project})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/would run\s+train .*param train(\.algorithm)? modified/)
    expect(dry.stdout).toMatch(/up to date\s+ingest/)
    expect(await readFile(path.join(project, 'dvc.lock'), 'utf8')).toBe(before)
  })

  it('predicts the same through the CLI as in-process', async () => {
    const texts = ['A gorgeous, witty, moving film.', 'Dull, lifeless and far too long.', 'not bad at all', '!!!']
    const bundle = await loadBundle(path.join(project, 'models/model'))
    const expected = bundle.predict(texts)
    const viaText = sentiops(['predict', ...texts.flatMap(t => ['--text', t]), '--json'], {cwd: project})
    expect(viaText.code, viaText.stderr).toBe(0)
    expect(JSON.parse(viaText.stdout).result.predictions).toEqual(expected)
    await writeFile(path.join(project, 'in.csv'), 'id,text\n' + texts.map((t, i) => `${i},"${t.replace(/"/g, '""')}"`).join('\n') + '\n')
    const viaFile = sentiops(['predict', '--input', 'in.csv', '--output', '-'], {cwd: project})
    expect(viaFile.code, viaFile.stderr).toBe(0)
    const lines = viaFile.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(lines.map(({id: _id, ...p}) => p)).toEqual(expected)
    const viaStdin = sentiops(['predict', '--input', '-'], {cwd: project, input: texts.map(text => JSON.stringify({text})).join('\n')})
    expect(viaStdin.stdout.trim().split('\n').map(l => JSON.parse(l))).toEqual(expected)
  })

  it('trains a byte-identical bundle from the same params and data', async () => {
    const env = {SOURCE_DATE_EPOCH: '1700000000'}
    const a = sentiops(['train', '--model-dir', 'models/a'], {cwd: project, env})
    const b = sentiops(['train', '--model-dir', 'models/b'], {cwd: project, env})
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(await dirDigest(path.join(project, 'models/a'))).toEqual(await dirDigest(path.join(project, 'models/b')))
  })
})
