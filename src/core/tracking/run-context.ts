/**
 * Tracked runs for the pipeline stages: `withRun` opens a run with the standard tags, hands a small handle to the
 * work, and always closes the run: FINISHED, FAILED when the work throws, KILLED on SIGINT/SIGTERM. A run
 * never stays RUNNING because sentiops crashed or was interrupted.
 */
import {randomUUID} from 'node:crypto'
import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import {UserError} from '../errors.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {SENTIOPS_VERSION} from '../version.js'
import {currentUser, gitInfo} from './env-info.js'
import {withPythonBooleans} from './file-store/values.js'
import {MAX_TAG_VALUE_LENGTH} from './names.js'
import type {MetricInput, ParamValue, RunInfo, TrackingStore} from './store.js'
import {checkArtifactPath} from './uri.js'
import {dumpMlflowYaml} from './yaml.js'

export const MLMODEL_FILE = 'MLmodel'
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history'
export const DEFAULT_MODEL_ARTIFACT_PATH = 'model'

export interface RunHandle {
  readonly runId: string
  readonly experimentId: string
  readonly info: RunInfo
  readonly store: TrackingStore
  logParams(params: Record<string, ParamValue>): Promise<void>
  logMetrics(metrics: MetricInput[]): Promise<void>
  logMetric(key: string, value: number, step?: number): Promise<void>
  setTags(tags: Record<string, string>): Promise<void>
  logArtifacts(localPath: string, artifactPath?: string): Promise<void>
  /** Logs a model bundle directory (it must hold an MLmodel file) as `artifactPath` (default `model`). */
  logModel(bundleDir: string, artifactPath?: string): Promise<void>
}

export interface WithRunOptions {
  /** Experiment name; created when missing. */
  experiment: string
  runName?: string
  /** Extra tags on top of the standard ones. */
  tags?: Record<string, string>
  cwd?: string
  /** `mlflow.source.name`; default `sentiops <command words>` from argv. */
  sourceName?: string
  reporter?: Reporter
  /** Environment for the user name (default process.env). */
  env?: NodeJS.ProcessEnv
}

export async function withRun<T>(store: TrackingStore, options: WithRunOptions, fn: (run: RunHandle) => Promise<T>): Promise<T> {
  const reporter = options.reporter ?? silentReporter
  const experiment = await store.getOrCreateExperiment(options.experiment)
  const tags = {...(await standardRunTags(options.cwd ?? process.cwd(), {sourceName: options.sourceName, reporter, env: options.env})), ...options.tags}
  const info = await store.createRun({experimentId: experiment.experimentId, runName: options.runName, tags})
  reporter.debug(`tracking run ${info.runId} (${info.runName}) in experiment '${experiment.name}' at ${store.uri}`)
  const guard = guardRun(store, info.runId)
  try {
    const result = await fn(runHandle(store, info))
    await guard.end('FINISHED')
    return result
  } catch (error) {
    await guard.end('FAILED').catch(endError => reporter.warn(`could not mark run ${info.runId} FAILED: ${(endError as Error).message}`))
    throw error
  }
}

export function runHandle(store: TrackingStore, info: RunInfo): RunHandle {
  const runId = info.runId
  return {
    runId,
    experimentId: info.experimentId,
    info,
    store,
    logParams: params => store.logParams(runId, withPythonBooleans(params)),
    logMetrics: metrics => store.logMetrics(runId, metrics),
    logMetric: (key, value, step) => store.logMetrics(runId, [{key, value, step}]),
    setTags: tags => store.setTags(runId, tags),
    logArtifacts: (localPath, artifactPath) => store.logArtifacts(runId, localPath, artifactPath),
    logModel: (bundleDir, artifactPath) => logModel(store, runId, bundleDir, artifactPath),
  }
}

/**
 * `mlflow.source.name`, `mlflow.source.type` (LOCAL), `mlflow.source.git.commit`/`branch` when in git,
 * `mlflow.user` and `sentiops.version`. (`mlflow.runName` is added when the run is created.)
 */
export async function standardRunTags(cwd: string, options: {sourceName?: string; reporter?: Reporter; env?: NodeJS.ProcessEnv} = {}): Promise<Record<string, string>> {
  const git = await gitInfo(cwd, {reporter: options.reporter})
  return {
    'mlflow.source.name': options.sourceName ?? commandLineSource(),
    'mlflow.source.type': 'LOCAL',
    ...(git ? {'mlflow.source.git.commit': git.commit} : {}),
    ...(git?.branch ? {'mlflow.source.git.branch': git.branch} : {}),
    'mlflow.user': currentUser(options.env),
    'sentiops.version': SENTIOPS_VERSION,
  }
}

/** `sentiops train`, `sentiops experiment run`: the command words of argv, without flags or their values. */
function commandLineSource(): string {
  const words: string[] = []
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith('-') || !/^[a-z][a-z-]*$/.test(arg)) break
    words.push(arg)
  }
  return ['sentiops', ...words].join(' ')
}

/**
 * Logs a model folder the way MLflow's log_model does (spec §4.6, §8): the files under `<artifactPath>/`, with the
 * MLmodel's `run_id` and `artifact_path` filled in and a fresh `model_uuid` and `utc_time_created`, and one more
 * entry in the run's `mlflow.log-model.history` tag so the MLflow UI lists the model. The source folder is not
 * modified.
 */
export async function logModel(store: TrackingStore, runId: string, bundleDir: string, artifactPath = DEFAULT_MODEL_ARTIFACT_PATH): Promise<void> {
  checkArtifactPath(artifactPath, `model artifact path`)
  if (artifactPath === '') throw new UserError('a model needs a non-empty artifact path, such as model')
  const mlmodelFile = path.join(bundleDir, MLMODEL_FILE)
  let text: string
  try {
    text = await readFile(mlmodelFile, 'utf8')
  } catch {
    throw new UserError(`${bundleDir} is not a model bundle: it has no ${MLMODEL_FILE} file`, {suggestions: ['run `sentiops train` first, or pass the bundle directory']})
  }
  let mlmodel: Record<string, unknown>
  try {
    mlmodel = YAML.parse(text) as Record<string, unknown>
  } catch (error) {
    throw new UserError(`${mlmodelFile}: not valid YAML (${(error as Error).message.split('\n')[0]})`)
  }
  if (!mlmodel || typeof mlmodel !== 'object' || typeof mlmodel.flavors !== 'object' || mlmodel.flavors === null) {
    throw new UserError(`${mlmodelFile}: an MLmodel file needs a 'flavors' mapping`)
  }
  // Every logged copy is a new MLflow model: its own uuid and creation time, whatever the bundle said.
  const updated = {...mlmodel, run_id: runId, artifact_path: artifactPath, model_uuid: randomUUID().replaceAll('-', ''), utc_time_created: utcNow()}
  const staging = await mkdtemp(path.join(tmpdir(), 'sentiops-model-'))
  try {
    const staged = path.join(staging, 'model')
    await cp(bundleDir, staged, {recursive: true})
    await writeFile(path.join(staged, MLMODEL_FILE), dumpMlflowYaml(updated))
    await store.logArtifacts(runId, staged, artifactPath)
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
  const run = await store.getRun(runId)
  await store.setTags(runId, {[LOG_MODEL_HISTORY_TAG]: appendHistory(run.data.tags[LOG_MODEL_HISTORY_TAG], {
    run_id: runId,
    artifact_path: artifactPath,
    utc_time_created: updated.utc_time_created,
    model_uuid: updated.model_uuid,
    flavors: withoutConfig(mlmodel.flavors as Record<string, unknown>),
  })})
}

/** The history is a JSON array; the oldest entries go first if it would outgrow a tag value. */
function appendHistory(current: string | undefined, entry: Record<string, unknown>): string {
  let history: unknown[] = []
  try {
    const parsed = current ? (JSON.parse(current) as unknown) : []
    if (Array.isArray(parsed)) history = parsed
  } catch {
    // A damaged history is replaced rather than blocking the run.
  }
  history.push(entry)
  let text = JSON.stringify(history)
  while (text.length > MAX_TAG_VALUE_LENGTH && history.length > 1) {
    history.shift()
    text = JSON.stringify(history)
  }
  return text
}

/** MLflow drops each flavor's `config` key from the history entry. */
function withoutConfig(flavors: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, conf] of Object.entries(flavors)) {
    if (conf && typeof conf === 'object' && !Array.isArray(conf)) {
      const {config: _config, ...rest} = conf as Record<string, unknown>
      out[name] = rest
    } else {
      out[name] = conf
    }
  }
  return out
}

/** MLflow's `utc_time_created` format: `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, no zone. */
function utcNow(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '000')
}

// ---- ending runs on SIGINT/SIGTERM --------------------------------------------------------------------------

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
const openRuns = new Map<string, {store: TrackingStore; ended: boolean}>()
let handlersInstalled = false

interface RunGuard {
  end(status: 'FINISHED' | 'FAILED'): Promise<void>
}

/** Registers an open run so an interrupt ends it KILLED; `end` closes it normally (once). */
function guardRun(store: TrackingStore, runId: string): RunGuard {
  const entry = {store, ended: false}
  openRuns.set(runId, entry)
  installSignalHandlers()
  return {
    async end(status) {
      openRuns.delete(runId)
      if (openRuns.size === 0) removeSignalHandlers()
      if (entry.ended) return
      entry.ended = true
      await store.endRun(runId, status)
    },
  }
}

function installSignalHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

function removeSignalHandlers(): void {
  if (!handlersInstalled) return
  handlersInstalled = false
  for (const signal of SIGNALS) process.off(signal, onSignal)
}

function onSignal(signal: NodeJS.Signals): void {
  removeSignalHandlers()
  const ending = [...openRuns.entries()].map(([runId, entry]) => {
    entry.ended = true
    return Promise.race([entry.store.endRun(runId, 'KILLED'), new Promise(resolve => setTimeout(resolve, 5000).unref())]).catch(() => undefined)
  })
  openRuns.clear()
  void Promise.all(ending).finally(() => {
    // Re-raise so the process ends the way the signal meant, unless someone else now handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  })
}
