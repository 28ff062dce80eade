/**
 * `repro`: evaluates the stages in dependency order and runs the ones that changed, the way `dvc repro` does,
 * so that afterwards both `sentiops repro` and `dvc status` find the pipeline up to date.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {EXIT_CODES, SentiopsError, UserError, isSentiopsError} from '../errors.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {DvcCache, unprotect} from './cache.js'
import {DVC_DIR, readDvcConfig} from './dvc-config.js'
import {DvcIgnore} from './dvcignore.js'
import {loadPipeline} from './dvcyaml.js'
import {buildGraph, planStages, type StageGraph} from './graph.js'
import {Hasher, type PathDigest} from './hash.js'
import {Lockfile, LOCK_FILE, buildLockEntry} from './lock.js'
import {Md5State} from './md5-state.js'
import {RACY_NS, checkStamp, clearStamp, stampKey, writeStamp} from './noop-stamp.js'
import {ParamsFiles} from './params-file.js'
import {getDotted, type PyMap} from './pyvalue.js'
import {StageCommandError, shellRunner} from './runner.js'
import {stageReasons, type StatusContext} from './status.js'
import type {Pipeline, ReproResult, Stage, StagePlan, StageRunner} from './types.js'
import {OutputBackup, acquireRepoLock, ensureDvcDir, gitignoreOutput, recoverInterruptedRuns} from './workspace.js'

export interface ReproduceOptions {
  /** The repository root (the folder holding dvc.yaml). */
  cwd: string
  /** Stages (or foreach/matrix groups) to reproduce with their upstream stages; default all. */
  targets?: string[]
  /** Run the selected stages even when nothing changed. */
  force?: boolean
  /** Decide and explain only: nothing runs and nothing is written. */
  dryRun?: boolean
  /** With targets: run them and the stages downstream of them instead of upstream. */
  downstream?: boolean
  /**
   * `key.path=value` overrides applied on top of params.yaml values for change detection and the lock (the
   * stages get them via env SENTIOPS_SET, newline-separated).
   */
  paramOverrides?: string[]
  runner?: StageRunner
  reporter?: Reporter
  signal?: AbortSignal
  /** How long before a check a file must have last changed for the no-op stamp to trust its stat (tests). */
  racyNs?: bigint
  /**
   * Kept with the no-op stamp and returned by `reproUpToDate` (e.g. output paths the caller took from params,
   * so that an up-to-date run need not load them again). Must depend only on params and the pipeline files.
   */
  stampExtra?: unknown
}

export type UpToDateOptions = Pick<ReproduceOptions, 'cwd' | 'targets' | 'downstream' | 'paramOverrides' | 'reporter'>

/**
 * The result of a no-op `repro` when the stamp of the last full check still holds (every file it read stats the
 * same), printing the same skip lines; undefined when the full check is needed. Parses no YAML, hashes nothing.
 */
export function reproUpToDate(options: UpToDateOptions): (ReproResult & {extra?: unknown}) | undefined {
  const root = path.resolve(options.cwd)
  const found = checkStamp(root, stampKey(root, {targets: options.targets, downstream: options.downstream, overrides: options.paramOverrides ?? []}))
  if (!found) return undefined
  for (const name of found.stages) (options.reporter ?? silentReporter).info(`Stage '${name}' didn't change, skipping`)
  return {stages: found.stages.map(name => ({name, willRun: false, reasons: [], status: 'skipped'})), lockFile: path.join(root, LOCK_FILE), fastCheck: true, extra: found.extra}
}

/** A stage failed: the run stopped there; the failed stage's previous outputs and lock entry are intact. */
export class StageFailedError extends SentiopsError {
  override name = 'StageFailedError'
  override readonly code = 'STAGE_FAILED'
  override readonly exitCode: number

  constructor(readonly stage: string, cause: unknown, readonly result: ReproResult) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    super(`stage '${stage}' failed: ${detail}; its previous outputs and dvc.lock entry are kept`, {
      cause,
      data: {
        stage,
        ...(cause instanceof StageCommandError ? {exitStatus: cause.exitStatus, signal: cause.signal} : {}),
        result,
      },
    })
    this.exitCode = isSentiopsError(cause) && !(cause instanceof StageCommandError) ? cause.exitCode : EXIT_CODES.external
  }
}

export const STATE_FILE = path.join(DVC_DIR, 'tmp', 'sentiops', 'md5-state.json')

export async function reproduce(options: ReproduceOptions): Promise<ReproResult> {
  const reporter = options.reporter ?? silentReporter
  const root = path.resolve(options.cwd)
  const overrides = options.paramOverrides ?? []
  const checkStartedNs = BigInt(Date.now()) * 1_000_000n
  const key = stampKey(root, {targets: options.targets, downstream: options.downstream, overrides})
  const lockFile = path.join(root, LOCK_FILE)
  if (!options.force && !options.dryRun) {
    const upToDate = reproUpToDate(options)
    if (upToDate) return {stages: upToDate.stages, lockFile, fastCheck: true}
  }
  const pipeline = await loadPipeline(root, {paramOverrides: overrides})
  const graph = buildGraph(pipeline)
  const order = planStages(graph, {targets: options.targets, downstream: options.downstream})
  const config = await readDvcConfig(root)
  const dryRun = Boolean(options.dryRun)

  let release: (() => Promise<void>) | undefined
  if (!dryRun) {
    if (await ensureDvcDir(root)) reporter.info(`Initialized ${DVC_DIR}/ (cache and settings for DVC-compatible runs)`)
    release = await acquireRepoLock(root)
    await clearStamp(root)
  }
  try {
    if (!dryRun) {
      for (const stage of await recoverInterruptedRuns(root)) reporter.warn(`restored the previous outputs of stage '${stage}', left by an interrupted run`)
    }
    // A dry run reads the md5 state (cheap status) but never saves it.
    const state = await Md5State.open(path.join(root, STATE_FILE))
    const ctx: StatusContext = {
      root,
      hasher: new Hasher({state, ignore: new DvcIgnore(root)}),
      cache: new DvcCache(config.cacheDir, config.cacheTypes),
      params: new ParamsFiles(root, overrides),
    }
    const run = new Run(graph, ctx, options, reporter, lockFile)
    let result: ReproResult
    try {
      result = await run.all(order)
    } finally {
      if (!dryRun) await state.save()
    }
    if (!dryRun && !options.force && result.stages.every(s => s.status === 'skipped')) {
      // Best effort: without a stamp the next run only does the full check again.
      try {
        const paths = await stampPaths(pipeline, order, await run.lock(), ctx.cache)
        if (paths) await writeStamp(root, key, {stages: order.map(s => s.name), extra: options.stampExtra}, paths, checkStartedNs, options.racyNs ?? RACY_NS)
      } catch (error) {
        reporter.debug(`no up-to-date stamp written: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    return result
  } finally {
    await release?.()
  }
}

type StageResult = ReproResult['stages'][number]

class Run {
  private readonly results: StageResult[] = []
  private readonly willRunInDryRun = new Set<string>()
  private readonly runner: StageRunner
  private lockfile?: Promise<Lockfile>

  constructor(
    private readonly graph: StageGraph,
    private readonly ctx: StatusContext,
    private readonly options: ReproduceOptions,
    private readonly reporter: Reporter,
    private readonly lockFile: string,
  ) {
    this.runner = options.runner ?? shellRunner
  }

  /** dvc.lock, read once per run and kept up to date as entries are written. */
  lock(): Promise<Lockfile> {
    this.lockfile ??= Lockfile.read(this.ctx.root)
    return this.lockfile
  }

  async all(order: Stage[]): Promise<ReproResult> {
    for (const [index, stage] of order.entries()) {
      if (this.options.signal?.aborted) throw new UserError(`interrupted before stage '${stage.name}' ran`)
      const plan = await this.plan(stage)
      if (!plan.willRun) {
        this.reporter.info(`Stage '${stage.name}' didn't change, skipping`)
        this.results.push({...plan, status: 'skipped'})
        continue
      }
      if (this.options.dryRun) {
        this.willRunInDryRun.add(stage.name)
        this.reporter.info(`Stage '${stage.name}' would run: ${plan.reasons.join('; ')}`)
        this.results.push({...plan, status: 'not-run'})
        continue
      }
      this.reporter.debug(`Stage '${stage.name}' changed: ${plan.reasons.join('; ')}`)
      const started = performance.now()
      try {
        await this.runStage(stage)
        this.results.push({...plan, status: 'ran', seconds: (performance.now() - started) / 1000})
      } catch (error) {
        this.results.push({...plan, status: 'failed', seconds: (performance.now() - started) / 1000})
        for (const rest of order.slice(index + 1)) {
          this.results.push({name: rest.name, willRun: false, reasons: [`not evaluated: stage '${stage.name}' failed`], status: 'not-run'})
        }
        throw new StageFailedError(stage.name, error, {stages: this.results, lockFile: this.lockFile})
      }
    }
    return {stages: this.results, lockFile: this.lockFile}
  }

  private async plan(stage: Stage): Promise<StagePlan> {
    if (this.options.force) return {name: stage.name, willRun: true, reasons: ['forced']}
    const lock = (await this.lock()).entry(stage.name)
    const reasons = await stageReasons(stage, lock, this.ctx)
    if (this.options.dryRun) {
      // Nothing runs in a dry run, so say which inputs an upstream stage that would run is going to rebuild.
      for (const [dep, producer] of this.graph.producers.get(stage.name) ?? []) {
        if (this.willRunInDryRun.has(producer)) reasons.push(`dep ${dep} is rebuilt by stage '${producer}'`)
      }
    }
    return {name: stage.name, willRun: reasons.length > 0, reasons}
  }

  private async runStage(stage: Stage): Promise<void> {
    const dir = path.resolve(this.ctx.root, stage.wdir)
    const outs = stage.outs.map(out => ({...out, abs: path.resolve(dir, out.path)}))
    if (stage.frozen) {
      this.reporter.info(`Verifying outputs in frozen stage: '${stage.name}'`)
      await this.commit(stage)
      return
    }
    // Like DVC, refuse to start when a dep or param is missing: nothing is touched then.
    await this.inputs(stage)
    const backup = await OutputBackup.create(this.ctx.root, stage.name, outs.map(o => ({abs: o.abs, persist: o.persist})))
    try {
      // A persist output the stage keeps working on must not be a hardlink or symlink into the cache.
      for (const out of outs) if (out.persist) await unprotect(out.abs)
      this.reporter.info(`Running stage '${stage.name}':`)
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DVC_ROOT: process.env.DVC_ROOT ?? this.ctx.root,
        DVC_STAGE: stage.name,
        ...(this.options.paramOverrides?.length ? {SENTIOPS_SET: this.options.paramOverrides.join('\n')} : {}),
      }
      for (const line of commandLines(stage.cmd)) {
        this.reporter.info(`> ${line}`)
        await this.runner(line, {stage: stage.name, cwd: dir, env, signal: this.options.signal})
      }
      await this.commit(stage, () => backup.markDone())
      await backup.discard()
    } catch (error) {
      await backup.restore()
      throw error
    }
  }

  /** Hashes deps and reads params (both must exist), as DVC does before it runs a stage. */
  private async inputs(stage: Stage): Promise<{deps: Array<{path: string; digest: PathDigest}>; params: Array<{file: string; values: PyMap}>}> {
    const dir = path.resolve(this.ctx.root, stage.wdir)
    const deps: Array<{path: string; digest: PathDigest}> = []
    for (const dep of stage.deps) {
      const digest = await this.ctx.hasher.digest(path.resolve(dir, dep))
      if (!digest) throw new UserError(`dependency '${dep}' of stage '${stage.name}' does not exist`)
      deps.push({path: dep, digest})
    }
    const params: Array<{file: string; values: PyMap}> = []
    for (const spec of stage.params) {
      const data = await this.ctx.params.read(path.resolve(dir, spec.file))
      if (!data) throw new UserError(`params file '${spec.file}' of stage '${stage.name}' does not exist`)
      if (spec.keys === null) {
        params.push({file: spec.file, values: data})
        continue
      }
      const values: PyMap = new Map()
      const missing: string[] = []
      for (const key of spec.keys) {
        const found = getDotted(data, key)
        if (found.found) values.set(key, found.value)
        else missing.push(key)
      }
      if (missing.length > 0) throw new UserError(`params ${missing.map(k => `'${k}'`).join(', ')} of stage '${stage.name}' are missing from '${spec.file}'`)
      params.push({file: spec.file, values})
    }
    return {deps, params}
  }

  /** Hashes and caches the outputs and replaces the stage's lock entry. */
  private async commit(stage: Stage, beforeLock?: () => Promise<void>): Promise<void> {
    const dir = path.resolve(this.ctx.root, stage.wdir)
    const {deps, params} = await this.inputs(stage)
    const outs: Array<{path: string; digest: PathDigest}> = []
    for (const out of stage.outs) {
      const abs = path.resolve(dir, out.path)
      const digest = await this.ctx.hasher.digest(abs)
      if (!digest) {
        throw new UserError(stage.frozen
          ? `output '${out.path}' of frozen stage '${stage.name}' is missing; restore it, or unfreeze the stage to rebuild it`
          : `stage '${stage.name}' did not produce its output '${out.path}'`)
      }
      outs.push({path: out.path, digest})
    }
    for (const [i, out] of stage.outs.entries()) {
      if (!out.cache) continue
      const digest = outs[i]!.digest
      const abs = path.resolve(dir, out.path)
      if (digest.type === 'dir') await this.ctx.cache.addDir(digest)
      else await this.ctx.cache.addFile(abs, digest.md5)
      await gitignoreOutput(abs)
    }
    await beforeLock?.()
    const written = await (await this.lock()).put(stage.name, buildLockEntry({cmd: stage.cmd, deps, params, outs}))
    if (written === 'created') this.reporter.info(`Generating lock file '${LOCK_FILE}'`)
    else if (written === 'updated') this.reporter.info(`Updating lock file '${LOCK_FILE}'`)
  }
}

/**
 * Every file the status of `stages` depends on, for the no-op stamp; undefined when dvc.yaml loads `vars`
 * files (which the loaded pipeline does not list).
 */
async function stampPaths(pipeline: Pipeline, stages: Stage[], lock: Lockfile, cache: DvcCache): Promise<string[] | undefined> {
  const root = pipeline.root
  if (/\bvars\b/.test(readFileSync(pipeline.file, 'utf8'))) return undefined
  const paths = new Set<string>([pipeline.file, path.join(root, LOCK_FILE), path.join(root, 'params.yaml'), path.join(root, DVC_DIR, 'config'), path.join(root, DVC_DIR, 'config.local')])
  const addWithIgnores = (abs: string) => {
    paths.add(abs)
    // The .dvcignore of every folder from the root down to the path's folder.
    for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
      const rel = path.relative(root, dir)
      if (rel.startsWith('..') || path.isAbsolute(rel)) break
      paths.add(path.join(dir, '.dvcignore'))
      if (rel === '') break
    }
  }
  for (const stage of stages) {
    const dir = path.resolve(root, stage.wdir)
    for (const spec of stage.params) paths.add(path.resolve(dir, spec.file))
    for (const used of stage.interpolated) paths.add(path.resolve(root, used.file)).add(path.resolve(dir, used.file))
    for (const dep of stage.deps) addWithIgnores(path.resolve(dir, dep))
    const entry = lock.entry(stage.name)
    for (const out of stage.outs) {
      addWithIgnores(path.resolve(dir, out.path))
      const md5 = entry?.outs.find(o => o.path === out.path)?.md5
      if (!out.cache || !md5 || !/^[0-9a-f]{32}(\.dir)?$/.test(md5)) continue
      paths.add(cache.objectPath(md5))
      if (!md5.endsWith('.dir')) continue
      try {
        for (const item of JSON.parse(readFileSync(cache.objectPath(md5), 'utf8')) as Array<{md5: string}>) paths.add(cache.objectPath(item.md5))
      } catch {
        return undefined
      }
    }
  }
  return [...paths]
}

/** The shell command lines of a stage: each list item, or each line of the string (Python's splitlines). */
export function commandLines(cmd: string | string[]): string[] {
  if (Array.isArray(cmd)) return cmd
  const lines = cmd.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029]/)
  if (lines.at(-1) === '') lines.pop()
  return lines
}
