/**
 * kill -9 at any moment must not cost the model (issue 10 item 8). The real binary (bin/run.js) is started as a
 * process-group leader and SIGKILLed, with its stage commands, at chosen durable steps (the test-only crash
 * hook of src/core/fs/crash-point.ts) and at random times. After every kill the next commands must work on the
 * previous or the new version of everything: `predict --model models/model` answers like one of the two models,
 * the bundle directory and the pair of splits are byte-identical to one of two complete references, the
 * tracking store keeps MLflow's layout, and the next `repro` ends up to date.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, sentiops} from '../support/cli.js'

const PROBE = 'a wonderful, moving film with a great cast'
/** Two configurations that give different splits (ingest.seed) and different models (train.algorithm). */
const CONFIGS = {
  A: ['--set', 'ingest.seed=42', '--set', 'train.algorithm=lr'],
  B: ['--set', 'ingest.seed=7', '--set', 'train.algorithm=mnb'],
} as const
type ConfigName = keyof typeof CONFIGS
const BASE_ENV = {SOURCE_DATE_EPOCH: '1700000000', MLFLOW_TRACKING_URI: ''}

interface Reference {
  predict: string
  bundle: string
  splits: string
}

/** A kill point: the n-th durable step of a run, or the first step whose label matches. */
type KillPoint = number | RegExp

/** Runs the binary until it exits or the crash hook kills it at `at` (none: record the steps only). */
function runWithCrash(args: string[], cwd: string, opts: {at?: KillPoint; killAfterMs?: number; stepsFile: string}): Promise<{signal: NodeJS.Signals | null; code: number | null; stderr: string}> {
  const env: NodeJS.ProcessEnv = {...process.env, ...BASE_ENV, SENTIOPS_TEST_CRASH_FILE: opts.stepsFile, SENTIOPS_TEST_CRASH_GROUP: '1'}
  for (const k of Object.keys(env)) if (k.startsWith('SENTIOPS_') && !k.startsWith('SENTIOPS_TEST_CRASH') && k !== 'SENTIOPS_SKIP_BUILD') delete env[k]
  if (typeof opts.at === 'number') env.SENTIOPS_TEST_CRASH_AT = String(opts.at)
  else if (opts.at) env.SENTIOPS_TEST_CRASH_MATCH = opts.at.source
  const child = spawn(process.execPath, [BIN, ...args], {cwd, env, detached: true, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => killGroup(child.pid!), opts.killAfterMs)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      // Stage commands left behind by a parent that exited first are killed too.
      killGroup(child.pid!)
      resolve({code, signal, stderr})
    })
  })
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

async function steps(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(line => line.slice(line.indexOf(' ') + 1))
}

function md5(bytes: Buffer | string): string {
  return createHash('md5').update(bytes).digest('hex')
}

/** The bundle's three content files (MLmodel's creation time aside), as one digest. */
async function bundleDigest(dir: string): Promise<string> {
  const parts: string[] = []
  for (const name of ['bundle.json', 'vectorizer.json', 'classifier.json']) parts.push(`${name}:${md5(await readFile(path.join(dir, name)))}`)
  return parts.join(' ')
}

/**
 * The pair of splits in `dir`, as sentiops' commit protocol defines it (src/core/fs/atomic.ts): the files
 * themselves, except that while a commit record `.sentiops-commit-<pid>-<hex>.json` is there, each file it lists
 * whose temp file still exists is that temp file (readers finish such a commit before they read).
 */
async function splitsDigest(dir: string): Promise<string> {
  const record = (await readdir(dir)).find(n => /^\.sentiops-commit-\d+-[0-9a-f]+\.json$/.test(n))
  const renames: Array<[string, string]> = record ? JSON.parse(await readFile(path.join(dir, record), 'utf8')).renames : []
  const digest = async (name: string) => {
    const pending = renames.find(([tmp, target]) => target === name && existsSync(path.join(dir, tmp)))
    return md5(await readFile(path.join(dir, pending ? pending[0] : name)))
  }
  return `${await digest('train.csv')} ${await digest('test.csv')}`
}

/** `x` itself, or when a run was killed while `x` was moved aside, the one `.x.old-…` next to it. */
async function visibleVersion(target: string): Promise<string> {
  if (existsSync(target)) return target
  const olds = (await readdir(path.dirname(target))).filter(n => n.startsWith(`.${path.basename(target)}.old-`))
  expect(olds, `${target} is missing and has ${olds.length} previous versions next to it`).toHaveLength(1)
  return path.join(path.dirname(target), olds[0]!)
}

function predictProbe(cwd: string, model = 'models/model'): string {
  const r = sentiops(['predict', '--model', model, '--text', PROBE], {cwd, env: BASE_ENV})
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim()
}

/**
 * MLflow's FileStore rules for what it lists (mlflow/store/tracking/file_store.py): every root sub-directory but
 * `models` and names ending in `.trash` must be an experiment id (`^[a-zA-Z0-9][\w\-]{0,63}$`, else
 * search_experiments raises); every run and model-version folder is complete (has meta.yaml).
 */
async function expectMlflowLayout(root: string): Promise<void> {
  if (!existsSync(root)) return
  for (const entry of await readdir(root, {withFileTypes: true})) {
    if (!entry.isDirectory() || entry.name === 'models' || entry.name.endsWith('.trash')) continue
    expect(entry.name).toMatch(/^[a-zA-Z0-9][\w-]{0,63}$/)
    const experiment = path.join(root, entry.name)
    expect(existsSync(path.join(experiment, 'meta.yaml')), experiment).toBe(true)
    for (const run of await readdir(experiment, {withFileTypes: true})) {
      if (!run.isDirectory() || ['tags', 'datasets', 'traces'].includes(run.name)) continue
      expect(existsSync(path.join(experiment, run.name, 'meta.yaml')), `${experiment}/${run.name}`).toBe(true)
    }
  }
  for (const model of await readdir(path.join(root, 'models')).catch(() => [] as string[])) {
    expect(existsSync(path.join(root, 'models', model, 'meta.yaml'))).toBe(true)
    for (const v of (await readdir(path.join(root, 'models', model))).filter(n => n.startsWith('version-'))) {
      expect(existsSync(path.join(root, 'models', model, v, 'meta.yaml')), `${model}/${v}`).toBe(true)
    }
  }
}

/** After a kill: the next commands see one of the two complete versions of the model and the splits. */
async function expectPreviousOrNew(cwd: string, refs: Record<ConfigName, Reference>, what: string): Promise<void> {
  const known = Object.values(refs)
  expect(known.map(r => r.predict), `predict after ${what}`).toContain(predictProbe(cwd))
  expect(known.map(r => r.bundle), `bundle after ${what}`).toContain(await bundleDigest(await visibleVersion(path.join(cwd, 'models/model'))))
  expect(known.map(r => r.splits), `splits after ${what}`).toContain(await splitsDigest(await visibleVersion(path.join(cwd, 'data/raw'))))
  await expectMlflowLayout(path.join(cwd, 'mlruns'))
}

/** `n` step numbers spread evenly over a recorded run of `total` steps. */
function spread(total: number, n: number): number[] {
  return Array.from({length: n}, (_, i) => 1 + Math.floor(((i + 0.5) * total) / n))
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing "random" kill can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('kill -9 at any moment leaves the previous or the new version (real binary, built-in data)', () => {
  let cwd: string
  let stepsFile: string
  const refs = {} as Record<ConfigName, Reference>
  const recorded = {} as Record<ConfigName, string[]>

  async function reference(config: ConfigName): Promise<void> {
    await rm(stepsFile, {force: true})
    const r = await runWithCrash(['repro', ...CONFIGS[config]], cwd, {stepsFile})
    expect(r.code).toBe(0)
    recorded[config] = await steps(stepsFile)
    refs[config] = {predict: predictProbe(cwd), bundle: await bundleDigest(path.join(cwd, 'models/model')), splits: await splitsDigest(path.join(cwd, 'data/raw'))}
  }

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'sentiops-crash-'))
    stepsFile = path.join(cwd, '..', `${path.basename(cwd)}.steps`)
    await reference('A')
    await reference('B')
    // The two references really differ, so "one of them" says which version each command saw.
    expect(refs.A.predict).not.toBe(refs.B.predict)
    expect(refs.A.bundle).not.toBe(refs.B.bundle)
    expect(refs.A.splits).not.toBe(refs.B.splits)
  }, 120_000)

  afterAll(async () => {
    await rm(cwd, {recursive: true, force: true})
    await rm(stepsFile, {force: true})
  })

  it('repro killed at durable steps: predict, the bundle and the splits stay whole; the next repro is up to date', async () => {
    expect(recorded.B.length).toBeGreaterThan(50)
    // The steps where the previous model is moved aside (train starts), where the next run puts it back (its
    // recovery of the killed one), where the new one is published, where the previous one is dropped (the stage
    // is committed), and the one between the renames of the two splits; then steps spread over a whole run
    // (recorded on the run from A's outputs to B's).
    const points: KillPoint[] = [/^backup .*models\/model$/, /^restore /, /^publish .*models\/model$/, /^discard .*models\/\.model\.old-/, /^commit train\.csv$/, ...spread(recorded.B.length, 3)]
    // Every run rebuilds everything (--force), from what the last kill left, towards the other config.
    let target: ConfigName = 'A'
    for (const at of points) {
      await rm(stepsFile, {force: true})
      const r = await runWithCrash(['repro', '--force', ...CONFIGS[target]], cwd, {at, stepsFile})
      const label = (await steps(stepsFile)).at(-1)
      expect(r.signal, `kill point ${at} (last step: ${label}) was reached: ${r.stderr}`).toBe('SIGKILL')
      await expectPreviousOrNew(cwd, refs, `a kill at ${at} (${label})`)
      target = target === 'A' ? 'B' : 'A'
    }
    await rm(stepsFile, {force: true})
    const final = sentiops(['repro', '--json', ...CONFIGS.A], {cwd, env: BASE_ENV})
    expect(final.code, final.stderr).toBe(0)
    expect(predictProbe(cwd)).toBe(refs.A.predict)
    const again = sentiops(['repro', '--json', ...CONFIGS.A], {cwd, env: BASE_ENV})
    expect(JSON.parse(again.stdout).result.stages.map((s: {status: string}) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped'])
    // Nothing left next to the outputs.
    for (const dir of ['models', 'data']) expect((await readdir(path.join(cwd, dir))).filter(n => /\.(old|tmp)-\d+-/.test(n))).toEqual([])
  }, 120_000)

  it('repro killed at random moments (seeded), then predict and repro', async () => {
    const next = random(20261203)
    let target: ConfigName = 'B'
    for (let i = 0; i < 3; i++) {
      await rm(stepsFile, {force: true})
      const ms = Math.round(150 + next() * 2500)
      await runWithCrash(['repro', '--force', ...CONFIGS[target]], cwd, {killAfterMs: ms, stepsFile})
      await expectPreviousOrNew(cwd, refs, `a kill after ${ms} ms`)
      target = target === 'A' ? 'B' : 'A'
    }
    const final = sentiops(['repro', ...CONFIGS.B], {cwd, env: BASE_ENV})
    expect(final.code, final.stderr).toBe(0)
    expect(predictProbe(cwd)).toBe(refs.B.predict)
  }, 120_000)

  it('register killed at durable steps: models list/show and the champion alias keep working', async () => {
    const first = sentiops(['register', '--name', 'sentiment', '--alias', 'champion'], {cwd, env: BASE_ENV})
    expect(first.code, first.stderr).toBe(0)
    await rm(stepsFile, {force: true})
    expect((await runWithCrash(['register', '--name', 'sentiment', '--alias', 'champion'], cwd, {stepsFile})).code).toBe(0)
    const total = (await steps(stepsFile)).length
    // The new run's folder staged (not yet renamed into place); the model's artifacts, the new version's folder
    // and the alias, each at the moment it is published.
    for (const at of [/^stage /, /^publish .*artifacts\/model$/, /^publish .*version-\d+$/, /^publish .*aliases\/champion$/, ...spread(total, 1)]) {
      await rm(stepsFile, {force: true})
      const r = await runWithCrash(['register', '--name', 'sentiment', '--alias', 'champion'], cwd, {at, stepsFile})
      const label = (await steps(stepsFile)).at(-1)
      expect(r.signal, `kill point ${at} (last step: ${label}) was reached: ${r.stderr}`).toBe('SIGKILL')
      for (const args of [['models', 'list'], ['models', 'show', 'sentiment']]) {
        const shown = sentiops(args, {cwd, env: BASE_ENV})
        expect(shown.code, `${args.join(' ')} after a kill at ${label}: ${shown.stderr}`).toBe(0)
      }
      expect(predictProbe(cwd, 'models:/sentiment@champion')).toBe(refs.B.predict)
      await expectMlflowLayout(path.join(cwd, 'mlruns'))
    }
  }, 120_000)

  it('experiment run killed at durable steps: experiment show works and a rerun completes the grid', async () => {
    const grid = ['experiment', 'run', '--grid', 'train.lr.C=1,10', '--cv', '2', '--parallel', '1']
    await rm(stepsFile, {force: true})
    expect((await runWithCrash([...grid, '--experiment', 'grid-reference'], cwd, {stepsFile})).code).toBe(0)
    const labels = await steps(stepsFile)
    // The new experiment's folder staged (not yet renamed into place), then steps spread over a whole run.
    const points: KillPoint[] = [/^stage /, ...spread(labels.length, 2)]
    // A fresh experiment for each kill, so each run takes the recorded steps (a rerun skips finished points).
    const name = (at: KillPoint) => (typeof at === 'number' ? String(at) : 'staged')
    for (const at of points) {
      await rm(stepsFile, {force: true})
      const r = await runWithCrash([...grid, '--experiment', `grid-${name(at)}`], cwd, {at, stepsFile})
      expect(r.signal, `kill point ${at} (last step: ${(await steps(stepsFile)).at(-1)}) was reached: ${r.stderr}`).toBe('SIGKILL')
      await expectMlflowLayout(path.join(cwd, 'mlruns'))
      const shown = sentiops(['experiment', 'show', '--experiment', `grid-${name(at)}`], {cwd, env: BASE_ENV})
      // Killed before the experiment existed there is nothing to show: one clear error, not a crash.
      if (shown.code !== 0) expect(shown.stderr).toMatch(/^Error: no experiment named "grid-\w+"/)
    }
    const rerun = sentiops([...grid, '--experiment', `grid-${name(points.at(-1)!)}`, '--json'], {cwd, env: BASE_ENV})
    expect(rerun.code, rerun.stderr).toBe(0)
    const shown = sentiops(['experiment', 'show', '--experiment', `grid-${name(points.at(-1)!)}`, '--json'], {cwd, env: BASE_ENV})
    expect(shown.code, shown.stderr).toBe(0)
  }, 120_000)
})
