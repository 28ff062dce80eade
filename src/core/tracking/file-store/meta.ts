/**
 * meta.yaml documents of the file store (spec §1.2, §1.3, §2.1, §2.2): entity → the exact keys MLflow writes,
 * and meta → entity with a UserError naming the file for anything unreadable.
 */
import {UserError} from '../../errors.js'
import type {Experiment, LifecycleStage, ModelVersion, ModelVersionStatus, RunInfo, RunStatus, Stage} from '../store.js'
import {RUN_STATUSES, STAGES} from '../store.js'

/** Run status as stored in the file: 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED. */
const STATUS_CODES: Record<RunStatus, number> = {RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5}
export const DELETED_STAGE = 'Deleted_Internal'

export function experimentToMeta(e: Experiment): Record<string, unknown> {
  return {
    artifact_location: e.artifactLocation,
    creation_time: e.creationTime ?? null,
    experiment_id: e.experimentId,
    last_update_time: e.lastUpdateTime ?? null,
    lifecycle_stage: e.lifecycleStage,
    name: e.name,
  }
}

export function experimentFromMeta(meta: Record<string, unknown>, file: string, tags: Record<string, string>): Experiment {
  return {
    experimentId: requiredId(meta, 'experiment_id', file),
    name: requiredString(meta, 'name', file),
    artifactLocation: requiredString(meta, 'artifact_location', file),
    lifecycleStage: lifecycle(meta, file),
    creationTime: optionalInt(meta, 'creation_time', file),
    lastUpdateTime: optionalInt(meta, 'last_update_time', file),
    tags,
  }
}

/** All 14 keys MLflow 2.x writes (§1.3), `run_uuid` included, `status` as an integer. */
export function runToMeta(info: RunInfo): Record<string, unknown> {
  return {
    artifact_uri: info.artifactUri,
    end_time: info.endTime ?? null,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: info.startTime,
    status: STATUS_CODES[info.status],
    tags: [],
    user_id: info.userId,
  }
}

export function runFromMeta(meta: Record<string, unknown>, file: string): RunInfo {
  const runId = typeof meta.run_id === 'string' && meta.run_id !== '' ? meta.run_id : requiredString(meta, 'run_uuid', file)
  return {
    runId,
    runName: typeof meta.run_name === 'string' ? meta.run_name : '',
    experimentId: requiredId(meta, 'experiment_id', file),
    userId: meta.user_id === null || meta.user_id === undefined ? '' : String(meta.user_id),
    status: runStatus(meta.status, file),
    startTime: optionalInt(meta, 'start_time', file) ?? 0,
    endTime: optionalInt(meta, 'end_time', file),
    artifactUri: requiredString(meta, 'artifact_uri', file),
    lifecycleStage: lifecycle(meta, file),
  }
}

function runStatus(value: unknown, file: string): RunStatus {
  if (typeof value === 'number') {
    const found = (Object.entries(STATUS_CODES) as Array<[RunStatus, number]>).find(([, code]) => code === value)
    if (found) return found[0]
  }
  if (typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value)) return value as RunStatus
  throw new UserError(`${file}: 'status' is ${JSON.stringify(value)}; expected 1-5 (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)`)
}

export function statusCode(status: RunStatus): number {
  return STATUS_CODES[status]
}

export interface RegisteredModelMeta {
  name: string
  creationTimestamp: number
  lastUpdatedTimestamp: number
  description: string
}

/** The `aliases` map is omitted: MLflow never reads it (aliases live in `aliases/`). */
export function registeredModelToMeta(m: RegisteredModelMeta): Record<string, unknown> {
  return {
    creation_timestamp: m.creationTimestamp,
    description: m.description,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    name: m.name,
  }
}

export function registeredModelFromMeta(meta: Record<string, unknown>, file: string): RegisteredModelMeta {
  return {
    name: requiredString(meta, 'name', file),
    creationTimestamp: requiredInt(meta, 'creation_timestamp', file),
    lastUpdatedTimestamp: requiredInt(meta, 'last_updated_timestamp', file),
    description: typeof meta.description === 'string' ? meta.description : '',
  }
}

export type VersionMeta = Omit<ModelVersion, 'tags' | 'aliases' | 'currentStage'> & {currentStage: Stage | typeof DELETED_STAGE}

/** The keys of a 2.x version meta (§2.2): `version` an int, `source` and `storage_location` both set. */
export function versionToMeta(v: VersionMeta): Record<string, unknown> {
  return {
    aliases: [],
    creation_timestamp: v.creationTimestamp,
    current_stage: v.currentStage,
    description: v.description,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    name: v.name,
    run_id: v.runId ?? null,
    run_link: v.runLink ?? '',
    source: v.source,
    status: v.status,
    status_message: v.statusMessage ?? null,
    storage_location: v.storageLocation ?? v.source,
    user_id: v.userId ?? null,
    version: Number(v.version),
  }
}

export function versionFromMeta(meta: Record<string, unknown>, file: string): VersionMeta {
  const stage = meta.current_stage
  const currentStage = stage === DELETED_STAGE ? DELETED_STAGE : STAGES.find(s => s === stage)
  if (!currentStage) throw new UserError(`${file}: 'current_stage' is ${JSON.stringify(stage)}; expected one of ${STAGES.join(', ')}`)
  const status = meta.status ?? 'READY'
  if (status !== 'READY' && status !== 'PENDING_REGISTRATION' && status !== 'FAILED_REGISTRATION') {
    throw new UserError(`${file}: 'status' is ${JSON.stringify(status)}; expected READY, PENDING_REGISTRATION or FAILED_REGISTRATION`)
  }
  const source = requiredString(meta, 'source', file)
  return {
    name: requiredString(meta, 'name', file),
    version: String(requiredInt(meta, 'version', file)),
    creationTimestamp: requiredInt(meta, 'creation_timestamp', file),
    lastUpdatedTimestamp: requiredInt(meta, 'last_updated_timestamp', file),
    currentStage,
    description: typeof meta.description === 'string' ? meta.description : '',
    source,
    storageLocation: typeof meta.storage_location === 'string' && meta.storage_location !== '' ? meta.storage_location : source,
    runId: typeof meta.run_id === 'string' && meta.run_id !== '' ? meta.run_id : undefined,
    runLink: typeof meta.run_link === 'string' ? meta.run_link : undefined,
    userId: typeof meta.user_id === 'string' ? meta.user_id : undefined,
    status: status as ModelVersionStatus,
    statusMessage: typeof meta.status_message === 'string' ? meta.status_message : undefined,
  }
}

function requiredString(meta: Record<string, unknown>, key: string, file: string): string {
  const v = meta[key]
  if (typeof v !== 'string') throw new UserError(`${file}: missing or invalid '${key}' (expected a string)`)
  return v
}

/** IDs are quoted strings, but an int is tolerated on read (as MLflow does). */
function requiredId(meta: Record<string, unknown>, key: string, file: string): string {
  const v = meta[key]
  if (typeof v === 'string' && v !== '') return v
  if (typeof v === 'number' && Number.isInteger(v)) return String(v)
  throw new UserError(`${file}: missing or invalid '${key}'`)
}

function requiredInt(meta: Record<string, unknown>, key: string, file: string): number {
  const v = optionalInt(meta, key, file)
  if (v === undefined) throw new UserError(`${file}: missing '${key}' (expected an integer)`)
  return v
}

function optionalInt(meta: Record<string, unknown>, key: string, file: string): number | undefined {
  const v = meta[key]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v)
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v)
  throw new UserError(`${file}: '${key}' is ${JSON.stringify(v)}; expected an integer`)
}

function lifecycle(meta: Record<string, unknown>, file: string): LifecycleStage {
  const v = meta.lifecycle_stage ?? 'active'
  if (v !== 'active' && v !== 'deleted') throw new UserError(`${file}: 'lifecycle_stage' is ${JSON.stringify(v)}; expected active or deleted`)
  return v
}
