/** ModelRegistry over an MLflow tracking server's REST API (spec §6.4). */
import {randomUUID} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'
import {ExternalError, UsageError, UserError, type SentiopsError} from '../../errors.js'
import {NotFoundError} from '../errors.js'
import {normalizeTags} from '../inputs.js'
import {normalizeStage, validateAlias, validateModelName, validateVersion} from '../names.js'
import type {ModelRegistry, ModelVersion, RegisteredModel, Stage} from '../store.js'
import {toModelVersion, toRegisteredModel, withModelAliases} from './convert.js'
import type {MlflowHttpClient} from './http.js'
import {REQUEST_ID_TAG} from './tracking.js'

export interface RestRegistryOptions {
  /** How long to wait for a PENDING_REGISTRATION version to become READY (default 300 s). */
  registrationTimeoutMs?: number
  pollIntervalMs?: number
}

export class RestModelRegistry implements ModelRegistry {
  readonly uri: string

  constructor(private readonly http: MlflowHttpClient, private readonly options: RestRegistryOptions = {}) {
    this.uri = http.displayUri
  }

  async createRegisteredModel(name: string, options: {description?: string; tags?: Record<string, string>} = {}): Promise<RegisteredModel> {
    validateModelName(name)
    const tags = normalizeTags(options.tags ?? {})
    const res = await this.http.call<{registered_model: unknown}>('POST', 'registered-models/create', {
      name,
      ...(options.description ? {description: options.description} : {}),
      tags: tags.map(([key, value]) => ({key, value})),
    }, {
      // After a lost response the retry would see RESOURCE_ALREADY_EXISTS: the model is ours, read it.
      reconcile: async () => {
        try {
          return {registered_model: await this.getRaw(name)}
        } catch {
          return undefined
        }
      },
    })
    return toRegisteredModel(res.registered_model)
  }

  private async getRaw(name: string): Promise<unknown> {
    return (await this.http.call<{registered_model: unknown}>('GET', 'registered-models/get', {name})).registered_model
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name)
    return toRegisteredModel(await this.getRaw(name))
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = []
    let pageToken: string | undefined
    do {
      const res = await this.http.call<{registered_models?: unknown[]; next_page_token?: string}>('GET', 'registered-models/search', {
        max_results: 100, page_token: pageToken,
      })
      out.push(...(res.registered_models ?? []).map(toRegisteredModel))
      pageToken = res.next_page_token || undefined
    } while (pageToken)
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async createModelVersion(name: string, source: string, runId?: string, tags: Record<string, string> = {}): Promise<ModelVersion> {
    validateModelName(name)
    const requestId = randomUUID()
    const entries = normalizeTags({...tags, [REQUEST_ID_TAG]: requestId})
    const res = await this.http.call<{model_version: unknown}>('POST', 'model-versions/create', {
      name, source, ...(runId ? {run_id: runId} : {}), tags: entries.map(([key, value]) => ({key, value})),
    }, {
      reconcile: async () => {
        const found = (await this.searchModelVersions(name)).find(v => v.tags[REQUEST_ID_TAG] === requestId)
        return found ? {model_version: {name: found.name, version: found.version, status: found.status, source: found.source, current_stage: found.currentStage}} : undefined
      },
    })
    const created = toModelVersion(res.model_version)
    return this.waitUntilReady(created)
  }

  /** Remote registries may answer PENDING_REGISTRATION: poll until READY (spec §6.4). */
  private async waitUntilReady(version: ModelVersion): Promise<ModelVersion> {
    const deadline = Date.now() + (this.options.registrationTimeoutMs ?? 300_000)
    let current = await this.getModelVersion(version.name, version.version)
    while (current.status === 'PENDING_REGISTRATION') {
      if (Date.now() > deadline) throw new ExternalError(`MLflow ${this.uri}: version ${version.version} of '${version.name}' is still PENDING_REGISTRATION`)
      await sleep(this.options.pollIntervalMs ?? 1000)
      current = await this.getModelVersion(version.name, version.version)
    }
    if (current.status === 'FAILED_REGISTRATION') {
      throw new ExternalError(`MLflow ${this.uri}: registering version ${version.version} of '${version.name}' failed${current.statusMessage ? `: ${current.statusMessage}` : ''}`)
    }
    return current
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name)
    validateVersion(version)
    const res = await this.http.call<{model_version: unknown}>('GET', 'model-versions/get', {name, version: String(version)})
    return toModelVersion(res.model_version)
  }

  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    validateModelName(name)
    const out: ModelVersion[] = []
    let pageToken: string | undefined
    do {
      const res = await this.http.call<{model_versions?: unknown[]; next_page_token?: string}>('GET', 'model-versions/search', {
        filter: `name='${name.replaceAll("'", "\\'")}'`, page_token: pageToken,
      })
      out.push(...(res.model_versions ?? []).map(toModelVersion).filter(v => v.name === name))
      pageToken = res.next_page_token || undefined
    } while (pageToken)
    // Also tells an unknown model (an error) from a model without versions (both search to nothing).
    const {aliases} = toRegisteredModel(await this.getRaw(name))
    return withModelAliases(out, aliases).sort((a, b) => Number(b.version) - Number(a.version))
  }

  async transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<ModelVersion> {
    const target = normalizeStage(stage)
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw new UsageError(`archive-existing works only with the Staging or Production stage (not ${target})`)
    }
    validateVersion(version)
    const res = await this.http.call<{model_version: unknown}>('POST', 'model-versions/transition-stage', {
      name, version: String(version), stage: target, archive_existing_versions: archiveExisting,
    })
    return toModelVersion(res.model_version)
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias)
    validateVersion(version)
    await this.http.call('POST', 'registered-models/alias', {name, alias, version: String(version)})
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias)
    // The server deletes a missing alias silently; look first so both stores report it the same way.
    await this.getVersionByAlias(name, alias)
    await this.http.call('DELETE', 'registered-models/alias', {name, alias})
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name)
    try {
      const res = await this.http.call<{model_version: unknown}>('GET', 'registered-models/alias', {name, alias})
      return toModelVersion(res.model_version)
    } catch (error) {
      // MLflow's file-backed registry answers a missing alias with 400 INVALID_PARAMETER_VALUE "... alias x not found."
      const missingAlias = error instanceof UserError && (error as SentiopsError).data?.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(error.message)
      if (error instanceof NotFoundError || missingAlias) {
        await this.getRaw(name)
        throw new NotFoundError(`alias '${alias}' of registered model '${name}' not found in ${this.uri}`, {data: (error as SentiopsError).data})
      }
      throw error
    }
  }

  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    validateModelName(name)
    const res = await this.http.call<{model_versions?: unknown[]}>('POST', 'registered-models/get-latest-versions', {
      name, ...(stages && stages.length > 0 ? {stages: stages.map(s => normalizeStage(s))} : {}),
    })
    const {aliases} = toRegisteredModel(await this.getRaw(name))
    return withModelAliases((res.model_versions ?? []).map(toModelVersion), aliases)
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const [[k, v]] = normalizeTags({[key]: value})
    validateVersion(version)
    await this.http.call('POST', 'model-versions/set-tag', {name, version: String(version), key: k, value: v})
  }
}
