/**
 * MLflow REST JSON (snake_case, int64 as numbers or numeric strings, enums as names, empty fields omitted;
 * spec §6.1) → the store entities. Anything that does not fit is an ExternalError naming the field.
 */
import {ExternalError} from '../../errors.js'
import {RUN_STATUSES, STAGES} from '../store.js'
import type {Experiment, ModelVersion, ModelVersionStatus, RegisteredModel, Run, RunInfo, RunStatus, Stage} from '../store.js'

type Json = Record<string, unknown>

export function toExperiment(j: unknown): Experiment {
  const o = obj(j, 'experiment')
  return {
    experimentId: str(o.experiment_id, 'experiment.experiment_id'),
    name: str(o.name, 'experiment.name'),
    artifactLocation: optStr(o.artifact_location) ?? '',
    lifecycleStage: o.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: optNum(o.creation_time),
    lastUpdateTime: optNum(o.last_update_time),
    tags: keyValues(o.tags),
  }
}

export function toRunInfo(j: unknown): RunInfo {
  const o = obj(j, 'run.info')
  const status = optStr(o.status) ?? 'RUNNING'
  if (!(RUN_STATUSES as readonly string[]).includes(status)) throw bad('run.info.status', status)
  return {
    runId: optStr(o.run_id) ?? str(o.run_uuid, 'run.info.run_id'),
    runName: optStr(o.run_name) ?? '',
    experimentId: str(o.experiment_id, 'run.info.experiment_id'),
    userId: optStr(o.user_id) ?? '',
    status: status as RunStatus,
    startTime: optNum(o.start_time) ?? 0,
    endTime: optNum(o.end_time),
    artifactUri: optStr(o.artifact_uri) ?? '',
    lifecycleStage: o.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  }
}

export function toRun(j: unknown): Run {
  const o = obj(j, 'run')
  const data = (o.data ?? {}) as Json
  const metrics: Record<string, number> = {}
  for (const m of arr(data.metrics)) {
    const mo = obj(m, 'run.data.metrics[]')
    metrics[str(mo.key, 'metric.key')] = num(mo.value, 'metric.value')
  }
  const params: Record<string, string> = keyValues(data.params)
  return {info: toRunInfo(o.info), data: {metrics, params, tags: keyValues(data.tags)}}
}

export function toModelVersion(j: unknown): ModelVersion {
  const o = obj(j, 'model_version')
  const stage = optStr(o.current_stage) ?? 'None'
  const canonical = STAGES.find(s => s.toLowerCase() === stage.toLowerCase())
  if (!canonical) throw bad('model_version.current_stage', stage)
  const status = optStr(o.status) ?? 'READY'
  if (!['READY', 'PENDING_REGISTRATION', 'FAILED_REGISTRATION'].includes(status)) throw bad('model_version.status', status)
  const source = optStr(o.source) ?? ''
  return {
    name: str(o.name, 'model_version.name'),
    version: String(str(o.version, 'model_version.version')),
    creationTimestamp: optNum(o.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: optNum(o.last_updated_timestamp) ?? 0,
    currentStage: canonical as Stage,
    description: optStr(o.description) ?? '',
    source,
    storageLocation: optStr(o.storage_location) ?? source,
    runId: optStr(o.run_id) || undefined,
    runLink: optStr(o.run_link),
    userId: optStr(o.user_id),
    status: status as ModelVersionStatus,
    statusMessage: optStr(o.status_message),
    tags: keyValues(o.tags),
    aliases: arr(o.aliases).map(a => String(a)).sort(),
  }
}

export function toRegisteredModel(j: unknown): RegisteredModel {
  const o = obj(j, 'registered_model')
  const aliases: Record<string, string> = {}
  for (const a of arr(o.aliases)) {
    const ao = obj(a, 'registered_model.aliases[]')
    aliases[str(ao.alias, 'alias.alias')] = String(str(ao.version, 'alias.version'))
  }
  return {
    name: str(o.name, 'registered_model.name'),
    creationTimestamp: optNum(o.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: optNum(o.last_updated_timestamp) ?? 0,
    description: optStr(o.description) ?? '',
    tags: keyValues(o.tags),
    aliases,
    latestVersions: withModelAliases(arr(o.latest_versions).map(toModelVersion), aliases),
  }
}

/**
 * Database-backed servers (sqlite, postgres) leave `aliases` empty in model-versions/search and latest_versions
 * (spec §8); the registered model's own alias list is filled by every store, so versions take theirs from it.
 */
export function withModelAliases(versions: ModelVersion[], aliases: Record<string, string>): ModelVersion[] {
  return versions.map(v => {
    const own = Object.entries(aliases).filter(([, version]) => version === v.version).map(([alias]) => alias)
    return {...v, aliases: [...new Set([...v.aliases, ...own])].sort()}
  })
}

function keyValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of arr(value)) {
    const o = obj(item, 'tag')
    out[str(o.key, 'key')] = optStr(o.value) ?? ''
  }
  return out
}

function obj(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(what, value)
  return value as Json
}

function arr(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw bad('list', value)
  return value
}

function str(value: unknown, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw bad(what, value)
}

function optStr(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : String(value)
}

/** int64 fields come as numbers from MLflow itself and as numeric strings through protobuf-JSON proxies. */
function optNum(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? n : undefined
}

/** Metric values: numbers, or the strings "NaN", "Infinity", "-Infinity". */
function num(value: unknown, what: string): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && (value === 'NaN' || value === 'Infinity' || value === '-Infinity' || value.trim() !== '')) {
    const n = Number(value)
    if (!Number.isNaN(n) || value === 'NaN') return n
  }
  throw bad(what, value)
}

function bad(what: string, value: unknown): ExternalError {
  return new ExternalError(`unexpected MLflow response: ${what} is ${JSON.stringify(value)?.slice(0, 80)}`)
}
