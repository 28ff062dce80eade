/**
 * `repro`: evaluates the stages in dependency order and runs the ones that changed, the way `dvc repro` does,
 * so that afterwards both `sentiops repro` and `dvc status` find the pipeline up to date.
 */
import path from 'node:path'
import {EXIT_CODES, SentiopsError, UserError, isSentiopsError} from '../errors.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {DvcCache} from './cache.js'
import {DVC_DIR, readDvcConfig} from './dvc-config.js'
import {DvcIgnore} from './dvcignore.js'
import {loadPipeline} from './dvcyaml.js'
import {buildGraph, planStages, type StageGraph} from './graph.js'
import {Hasher, type PathDigest} from './hash.js'
import {Lockfile, LOCK_FILE, buildLockEntry, writeLockEntry} from './lock.js'
import {Md5State} from './md5-state.js'
import {ParamsFiles} from './params-file.js'
import {getDotted, type PyMap} from './pyvalue.js'
import {StageCommandError, shellRunner} from './runner.js'
import {stageReasons, type StatusContext} from './status.js'
import type {ReproResult, Stage, StagePlan, StageRunner} from './types.js'
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
  const pipeline = await loadPipeline(root, {paramOverrides: overrides})
  const graph = buildGraph(pipeline)
  const order = planStages(graph, {targets: options.targets, downstream: options.downstream})
  const config = await readDvcConfig(root)
  const lockFile = path.join(root, LOCK_FILE)
  const dryRun = Boolean(options.dryRun)

  let release: (() => Promise<void>) | undefined
  if (!dryRun) {
    if (await ensureDvcDir(root)) reporter.info(`Initialized ${DVC_DIR}/ (cache and settings for DVC-compatible runs)`)
    release = await acquireRepoLock(root)
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
      cache: new DvcCache(config.cacheDir),
      params: new ParamsFiles(root, overrides),
    }
    const run = new Run(graph, ctx, options, reporter, lockFile)
    try {
      return await run.all(order)
    } finally {
      if (!dryRun) await state.save()
    }
  } finally {
    await release?.()
  }
}

type StageResult = ReproResult['stages'][number]

class Run {
  private readonly results: StageResult[] = []
  private readonly willRunInDryRun = new Set<string>()
  private readonly runner: StageRunner

  constructor(
    private readonly graph: StageGraph,
    private readonly ctx: StatusContext,
    private readonly options: ReproduceOptions,
    private readonly reporter: Reporter,
    private readonly lockFile: string,
  ) {
    this.runner = options.runner ?? shellRunner
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
    const lock = (await Lockfile.read(this.ctx.root)).entry(stage.name)
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
    const written = await writeLockEntry(this.ctx.root, stage.name, buildLockEntry({cmd: stage.cmd, deps, params, outs}))
    if (written === 'created') this.reporter.info(`Generating lock file '${LOCK_FILE}'`)
    else if (written === 'updated') this.reporter.info(`Updating lock file '${LOCK_FILE}'`)
  }
}

/** The shell command lines of a stage: each list item, or each line of the string (Python's splitlines). */
export function commandLines(cmd: string | string[]): string[] {
  if (Array.isArray(cmd)) return cmd
  const lines = cmd.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029]/)
  if (lines.at(-1) === '') lines.pop()
  return lines
}
