/**
 * The two ports of experiment tracking: a `TrackingStore` (experiments, runs, params, metrics, tags, artifacts)
 * and a `ModelRegistry` (registered models, versions, stages, aliases). Both have a file implementation
 * (MLflow's on-disk layout under ./mlruns) and a REST implementation (an MLflow tracking server).
 * Field names follow MLflow's REST objects in camelCase.
 */

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
export type TerminalRunStatus = 'FINISHED' | 'FAILED' | 'KILLED'
export type LifecycleStage = 'active' | 'deleted'

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const
export type Stage = (typeof STAGES)[number]
export type ModelVersionStatus = 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION'

export interface Experiment {
  experimentId: string
  name: string
  artifactLocation: string
  lifecycleStage: LifecycleStage
  creationTime?: number
  lastUpdateTime?: number
  tags: Record<string, string>
}

export interface RunInfo {
  runId: string
  runName: string
  experimentId: string
  userId: string
  status: RunStatus
  startTime: number
  endTime?: number
  artifactUri: string
  lifecycleStage: LifecycleStage
}

export interface RunData {
  /** Latest value per metric key (greatest step, then timestamp, then value). */
  metrics: Record<string, number>
  params: Record<string, string>
  tags: Record<string, string>
}

export interface Run {
  info: RunInfo
  data: RunData
}

export interface MetricInput {
  key: string
  value: number
  /** Integer step, default 0 (e.g. the CV fold). */
  step?: number
  /** Milliseconds since the epoch, default now. */
  timestamp?: number
}

export type ParamValue = string | number | boolean

export interface CreateRunOptions {
  experimentId: string
  /** A random "adjective-noun-NNN" name when omitted, as MLflow does. */
  runName?: string
  tags?: Record<string, string>
  startTime?: number
  userId?: string
}

/** Equality filters, combined with AND. */
export interface RunFilter {
  tags?: Record<string, string>
  params?: Record<string, string>
  statuses?: RunStatus[]
}

export interface RegisteredModel {
  name: string
  creationTimestamp: number
  lastUpdatedTimestamp: number
  description: string
  tags: Record<string, string>
  /** alias → version */
  aliases: Record<string, string>
  /** The newest version in each stage. */
  latestVersions: ModelVersion[]
}

export interface ModelVersion {
  name: string
  /** A decimal string, as in MLflow's API. */
  version: string
  creationTimestamp: number
  lastUpdatedTimestamp: number
  currentStage: Stage
  description: string
  /** Where the version was registered from (an artifact URI). */
  source: string
  /** Where to download it from; falls back to `source`. */
  storageLocation?: string
  runId?: string
  runLink?: string
  userId?: string
  status: ModelVersionStatus
  statusMessage?: string
  tags: Record<string, string>
  aliases: string[]
}

export interface TrackingStore {
  /** The tracking URI, with any credentials masked: safe to print. */
  readonly uri: string
  getExperimentByName(name: string): Promise<Experiment | undefined>
  /** The active experiment of that name, created when missing; a deleted one is a UserError. */
  getOrCreateExperiment(name: string): Promise<Experiment>
  createRun(options: CreateRunOptions): Promise<RunInfo>
  /** Params are immutable: the same value again is a no-op, a different value a UserError. */
  logParams(runId: string, params: Record<string, ParamValue>): Promise<void>
  logMetrics(runId: string, metrics: MetricInput[]): Promise<void>
  setTags(runId: string, tags: Record<string, string>): Promise<void>
  /** Uploads the files under `localDir` to `<artifact root>/<artifactPath>/`. */
  logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void>
  /** Copies the artifact file or directory `artifactPath` to `destDir/<artifactPath>` and returns that path. */
  downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string>
  endRun(runId: string, status: TerminalRunStatus, endTime?: number): Promise<void>
  getRun(runId: string): Promise<Run>
  /** Active runs of these experiments matching the filter, newest first. */
  searchRuns(experimentIds: string[], filter?: RunFilter): Promise<Run[]>
}

export interface ModelRegistry {
  /** The registry URI, with any credentials masked. */
  readonly uri: string
  /** Throws AlreadyExistsError when the name is taken. */
  createRegisteredModel(name: string, options?: {description?: string; tags?: Record<string, string>}): Promise<RegisteredModel>
  /** Throws NotFoundError when there is no such model. */
  getRegisteredModel(name: string): Promise<RegisteredModel>
  listRegisteredModels(): Promise<RegisteredModel[]>
  createModelVersion(name: string, source: string, runId?: string, tags?: Record<string, string>): Promise<ModelVersion>
  getModelVersion(name: string, version: string): Promise<ModelVersion>
  /** All versions of the model, newest first. */
  searchModelVersions(name: string): Promise<ModelVersion[]>
  /** `stage` is case-insensitive (None, Staging, Production, Archived); an unknown stage is a UsageError. */
  transitionStage(name: string, version: string, stage: Stage | Lowercase<Stage> | Uppercase<Stage>, archiveExisting: boolean): Promise<ModelVersion>
  setAlias(name: string, alias: string, version: string): Promise<void>
  deleteAlias(name: string, alias: string): Promise<void>
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>
  /** The newest version per stage (all four stages when `stages` is omitted). */
  getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]>
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>
}

export interface Stores {
  tracking: TrackingStore
  registry: ModelRegistry
  /** The tracking URI, masked. */
  uri: string
}
