/** TrackingStore over an MLflow tracking server's REST API (spec §6.2, §6.3). */
import {randomUUID} from 'node:crypto'
import {UserError} from '../../errors.js'
import {currentUser} from '../env-info.js'
import {isAlreadyExists, isNotFound} from '../errors.js'
import {normalizeMetrics, normalizeParams, normalizeTags} from '../inputs.js'
import {validateExperimentName, validateRunId} from '../names.js'
import {randomRunName} from '../run-names.js'
import type {
  CreateRunOptions, Experiment, MetricInput, ParamValue, Run, RunFilter, RunInfo, TerminalRunStatus, TrackingStore,
} from '../store.js'
import {checkArtifactPath} from '../uri.js'
import {withPythonBooleans} from '../file-store/values.js'
import {RestArtifacts} from './artifacts.js'
import {toExperiment, toRun} from './convert.js'
import type {MlflowHttpClient} from './http.js'

/** Tag that makes run creation safe to retry (spec §7): a retry first looks for a run carrying it. */
export const REQUEST_ID_TAG = 'sentiops.request_id'
/** log-batch limits (spec §5, §6.2). */
const BATCH = {metrics: 1000, params: 100, tags: 100}

export class RestTrackingStore implements TrackingStore {
  readonly uri: string
  private readonly artifacts: RestArtifacts

  constructor(private readonly http: MlflowHttpClient, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.uri = http.displayUri
    this.artifacts = new RestArtifacts(http, env)
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    validateExperimentName(name)
    try {
      const res = await this.http.call<{experiment: unknown}>('GET', 'experiments/get-by-name', {experiment_name: name})
      return toExperiment(res.experiment)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const existing = await this.getExperimentByName(name)
    if (existing) return requireActive(existing)
    try {
      // A lost response followed by a retry answers RESOURCE_ALREADY_EXISTS: the reconcile step finds ours.
      await this.http.call<{experiment_id: string}>('POST', 'experiments/create', {name}, {
        reconcile: async () => (await this.getExperimentByName(name)) ? {experiment_id: ''} : undefined,
      })
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
    }
    const created = await this.getExperimentByName(name)
    if (!created) throw new UserError(`MLflow ${this.uri}: experiment '${name}' was created but cannot be read back`)
    return requireActive(created)
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const requestId = randomUUID()
    const runName = options.runName ?? options.tags?.['mlflow.runName'] ?? randomRunName()
    const userId = options.userId ?? options.tags?.['mlflow.user'] ?? currentUser(this.env)
    const tags = normalizeTags({...options.tags, 'mlflow.runName': runName, 'mlflow.user': userId, [REQUEST_ID_TAG]: requestId})
    const res = await this.http.call<{run: unknown}>('POST', 'runs/create', {
      experiment_id: options.experimentId,
      user_id: userId,
      run_name: runName,
      start_time: options.startTime ?? Date.now(),
      tags: tags.map(([key, value]) => ({key, value})),
    }, {
      reconcile: async () => {
        const found = await this.searchRuns([options.experimentId], {tags: {[REQUEST_ID_TAG]: requestId}})
        return found[0] ? {run: {info: toWire(found[0].info)}} : undefined
      },
    })
    return toRun(res.run).info
  }

  async logParams(runId: string, params: Record<string, ParamValue>): Promise<void> {
    validateRunId(runId)
    const entries = normalizeParams(withPythonBooleans(params))
    for (let i = 0; i < entries.length; i += BATCH.params) {
      const chunk = entries.slice(i, i + BATCH.params)
      try {
        await this.http.call('POST', 'runs/log-batch', {run_id: runId, params: chunk.map(([key, value]) => ({key, value}))})
      } catch (error) {
        // The file-backed server reports a changed param as INTERNAL_ERROR (HTTP 500); it is the caller's mistake.
        if (/changing param values is not allowed/i.test((error as Error).message)) {
          throw new UserError(`run ${runId}: MLflow params cannot change once logged (${(error as Error).message})`)
        }
        throw error
      }
    }
  }

  async logMetrics(runId: string, metrics: MetricInput[]): Promise<void> {
    validateRunId(runId)
    const points = normalizeMetrics(metrics)
    for (let i = 0; i < points.length; i += BATCH.metrics) {
      await this.http.call('POST', 'runs/log-batch', {run_id: runId, metrics: points.slice(i, i + BATCH.metrics)})
    }
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    validateRunId(runId)
    const entries = normalizeTags(tags)
    for (let i = 0; i < entries.length; i += BATCH.tags) {
      await this.http.call('POST', 'runs/log-batch', {run_id: runId, tags: entries.slice(i, i + BATCH.tags).map(([key, value]) => ({key, value}))})
    }
    // Keep the run's name in step with its mlflow.runName tag on every server version.
    if (tags['mlflow.runName'] !== undefined) await this.http.call('POST', 'runs/update', {run_id: runId, run_name: tags['mlflow.runName']})
  }

  async endRun(runId: string, status: TerminalRunStatus, endTime = Date.now()): Promise<void> {
    validateRunId(runId)
    await this.http.call('POST', 'runs/update', {run_id: runId, status, end_time: endTime})
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId)
    const res = await this.http.call<{run: unknown}>('GET', 'runs/get', {run_id: runId})
    return toRun(res.run)
  }

  async searchRuns(experimentIds: string[], filter: RunFilter = {}): Promise<Run[]> {
    const runs: Run[] = []
    let pageToken: string | undefined
    do {
      const res = await this.http.call<{runs?: unknown[]; next_page_token?: string}>('POST', 'runs/search', {
        experiment_ids: experimentIds,
        filter: filterString(filter),
        run_view_type: 'ACTIVE_ONLY',
        max_results: 1000,
        order_by: ['attributes.start_time DESC'],
        ...(pageToken ? {page_token: pageToken} : {}),
      })
      runs.push(...(res.runs ?? []).map(toRun))
      pageToken = res.next_page_token || undefined
    } while (pageToken)
    // Conditions the server filter cannot express (values with quotes) are applied here; the rest agree anyway.
    return runs.filter(run => matches(run, filter))
  }

  async logArtifacts(runId: string, localDir: string, artifactPath = ''): Promise<void> {
    checkArtifactPath(artifactPath, `artifact path of run ${runId}`)
    const {info} = await this.getRun(runId)
    await this.artifacts.upload(info, localDir, artifactPath)
  }

  async downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string> {
    checkArtifactPath(artifactPath, `artifact path of run ${runId}`)
    const {info} = await this.getRun(runId)
    return this.artifacts.download(info, artifactPath, destDir)
  }
}

function requireActive(e: Experiment): Experiment {
  if (e.lifecycleStage === 'deleted') {
    throw new UserError(`experiment '${e.name}' (id ${e.experimentId}) is deleted on the server: restore it or use another experiment name`)
  }
  return e
}

/**
 * MLflow's search syntax: `tags.\`key\` = 'value' and params.\`key\` = 'value'`. Values containing a quote are
 * left out of the server filter (the grammar has no escape) and checked client-side.
 */
export function filterString(filter: RunFilter): string | undefined {
  const clauses: string[] = []
  for (const [kind, entries] of [['tags', filter.tags], ['params', filter.params]] as const) {
    for (const [key, value] of Object.entries(entries ?? {})) {
      if (!value.includes("'") && !key.includes('`')) clauses.push(`${kind}.\`${key}\` = '${value}'`)
    }
  }
  if (filter.statuses && filter.statuses.length === 1) clauses.push(`attributes.status = '${filter.statuses[0]}'`)
  return clauses.length > 0 ? clauses.join(' and ') : undefined
}

function matches(run: Run, filter: RunFilter): boolean {
  if (filter.statuses && !filter.statuses.includes(run.info.status)) return false
  for (const [key, value] of Object.entries(filter.tags ?? {})) if (run.data.tags[key] !== value) return false
  for (const [key, value] of Object.entries(filter.params ?? {})) if (run.data.params[key] !== value) return false
  return true
}

/** A RunInfo back in REST form, for a reconciled runs/create result. */
function toWire(info: RunInfo): Record<string, unknown> {
  return {
    run_id: info.runId, run_uuid: info.runId, run_name: info.runName, experiment_id: info.experimentId, user_id: info.userId,
    status: info.status, start_time: info.startTime, end_time: info.endTime, artifact_uri: info.artifactUri, lifecycle_stage: info.lifecycleStage,
  }
}
