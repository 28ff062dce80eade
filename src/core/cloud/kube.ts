import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {KubeConfig, KubernetesObjectApi} from '@kubernetes/client-node'
import {ExternalError, UserError} from '../errors.js'
import type {KubeObject} from './manifests.js'
import {objectRef} from './manifests.js'

/**
 * Thin adapter over @kubernetes/client-node: server-side apply with field manager `sentiops`, reads,
 * deletes, and the waits deploy and teardown need (rollout, LoadBalancer address, deletion).
 */

export const FIELD_MANAGER = 'sentiops'

export interface KubeTarget {
  /** Kubeconfig file; '' = $KUBECONFIG or ~/.kube/config. */
  kubeconfig: string
  /** Context name; '' = the current context. */
  context: string
}

export type ObjectRef = Pick<KubeObject, 'apiVersion' | 'kind'> & {metadata: {name: string; namespace?: string}}

export interface RolloutState {
  done: boolean
  failed: boolean
  message: string
}

export interface WaitOptions {
  timeoutMs: number
  pollMs?: number
  onProgress?: (message: string) => void
}

/** The object API plus the discovery lookup client-node keeps protected. */
type ObjectApi = KubernetesObjectApi & {discover(apiVersion: string, kind: string): Promise<unknown>}

export class Kube {
  private constructor(
    private readonly api: ObjectApi,
    /** Context name, recorded in the ledger so teardown talks to the same cluster. */
    readonly context: string,
    /** API server URL (for messages). */
    readonly server: string,
  ) {}

  static async connect(target: KubeTarget): Promise<Kube> {
    const k8s = await import('@kubernetes/client-node')
    const kc: KubeConfig = new k8s.KubeConfig()
    const file = target.kubeconfig || process.env.KUBECONFIG?.split(path.delimiter).find(Boolean) || path.join(os.homedir(), '.kube', 'config')
    if (!existsSync(file)) {
      throw new UserError(`no kubeconfig at ${file}`, {
        suggestions: ['create the cluster with `sentiops cluster create` (it writes the kubeconfig)', 'or run `aws eks update-kubeconfig --name <cluster>`, or set KUBECONFIG'],
      })
    }
    try {
      kc.loadFromFile(file)
    } catch (error) {
      throw new UserError(`${file}: not a readable kubeconfig (${(error as Error).message.split('\n')[0]})`)
    }
    if (target.context) {
      if (!kc.getContextObject(target.context)) {
        throw new UserError(`kubeconfig ${file} has no context ${target.context}; it has: ${kc.getContexts().map(c => c.name).join(', ') || 'none'}`)
      }
      kc.setCurrentContext(target.context)
    }
    const cluster = kc.getCurrentCluster()
    if (!cluster) throw new UserError(`kubeconfig ${file} has no current context; set one with \`kubectl config use-context\` or cloud.deploy.kube_context`)
    class DiscoveringObjectApi extends k8s.KubernetesObjectApi {
      static forConfig(config: KubeConfig): DiscoveringObjectApi {
        const api = config.makeApiClient(DiscoveringObjectApi)
        api.setDefaultNamespace(config)
        return api
      }

      discover(apiVersion: string, kind: string): Promise<unknown> {
        return this.resource(apiVersion, kind)
      }
    }
    return new Kube(DiscoveringObjectApi.forConfig(kc), kc.getCurrentContext(), cluster.server)
  }

  /** Server-side apply; by default as field manager sentiops with force (sentiops owns the fields it sets). */
  async apply<T extends KubeObject>(object: T, options: {fieldManager?: string; force?: boolean} = {}): Promise<T> {
    const {PatchStrategy} = await import('@kubernetes/client-node')
    return this.call('apply', object, () => this.api.patch(object, undefined, undefined, options.fieldManager ?? FIELD_MANAGER, options.force ?? true, PatchStrategy.ServerSideApply)) as Promise<T>
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return (await this.api.read(header(ref))) as T
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw this.failure('get', ref, error)
    }
  }

  /** Deletes with foreground propagation; false when the object was already gone. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.api.delete(header(ref), undefined, undefined, undefined, undefined, 'Foreground')
      return true
    } catch (error) {
      if (statusOf(error) === 404) return false
      throw this.failure('delete', ref, error)
    }
  }

  /** True when the API server serves the group/version (e.g. monitoring.coreos.com/v1 for ServiceMonitor). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      return (await this.api.discover(apiVersion, kind)) !== undefined
    } catch (error) {
      if (statusOf(error) === 404) return false
      throw this.failure('discover', {apiVersion, kind, metadata: {name: apiVersion}}, error)
    }
  }

  async waitGone(ref: ObjectRef, options: WaitOptions): Promise<void> {
    await poll(options, async () => ((await this.get(ref)) ? {done: false, failed: false, message: `${objectRef(ref)} is still terminating`} : {done: true, failed: false, message: `${objectRef(ref)} is gone`}), () => `${objectRef(ref)} was still present after ${seconds(options.timeoutMs)}`)
  }

  /** Waits like `kubectl rollout status`; throws on ProgressDeadlineExceeded or timeout. */
  async waitForRollout(namespace: string, name: string, options: WaitOptions): Promise<void> {
    const ref = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, namespace}}
    await poll(options, async () => {
      const deployment = await this.get(ref)
      if (!deployment) return {done: false, failed: true, message: `Deployment ${namespace}/${name} disappeared during the rollout`}
      return rolloutState(deployment)
    }, last => `rollout of Deployment ${namespace}/${name} did not finish within ${seconds(options.timeoutMs)} (${last})`)
  }

  /** The LoadBalancer's hostname or IP once the cloud assigned one; undefined on timeout. */
  async waitForLoadBalancer(namespace: string, name: string, options: WaitOptions): Promise<string | undefined> {
    const ref = {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace}}
    let address: string | undefined
    await poll(options, async () => {
      const service = (await this.get(ref)) as {status?: {loadBalancer?: {ingress?: Array<{hostname?: string; ip?: string}>}}} | undefined
      const ingress = service?.status?.loadBalancer?.ingress?.[0]
      address = ingress?.hostname ?? ingress?.ip
      return {done: Boolean(address), failed: false, message: address ? `LoadBalancer ${address}` : 'waiting for the LoadBalancer address'}
    })
    return address
  }

  private async call<T>(verb: string, ref: ObjectRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw this.failure(verb, ref, error)
    }
  }

  private failure(verb: string, ref: ObjectRef, error: unknown): UserError | ExternalError {
    const status = statusOf(error)
    const detail = reasonOf(error)
    const what = `Kubernetes ${verb} ${objectRef(ref)} (${this.server}, context ${this.context})`
    if (status === 401 || status === 403) {
      return new UserError(`${what}: not allowed (HTTP ${status}: ${detail})`, {
        suggestions: ['refresh the kubeconfig with `aws eks update-kubeconfig`, or use a context whose user has this permission'],
        cause: error,
      })
    }
    if (status === undefined) {
      return new ExternalError(`${what}: the API server is unreachable (${detail})`, {
        suggestions: ['check that the cluster exists (`sentiops cluster create`) and the kubeconfig points at it'],
        cause: error,
      })
    }
    return new ExternalError(`${what} failed: HTTP ${status}: ${detail}`, {cause: error, data: {status}})
  }
}

/** kubectl's rollout status logic for a Deployment. */
export function rolloutState(d: KubeObject): RolloutState {
  const spec = d.spec as {replicas?: number} | undefined
  const status = (d.status ?? {}) as {observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Array<{type: string; status: string; reason?: string; message?: string}>}
  const generation = (d.metadata as {generation?: number}).generation ?? 0
  if ((status.observedGeneration ?? 0) < generation) return {done: false, failed: false, message: 'waiting for the controller to see the new spec'}
  const stalled = status.conditions?.find(c => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')
  if (stalled) return {done: false, failed: true, message: stalled.message ?? 'progress deadline exceeded'}
  const want = spec?.replicas ?? 1
  const updated = status.updatedReplicas ?? 0
  if (updated < want) return {done: false, failed: false, message: `${updated} of ${want} new replicas updated`}
  if ((status.replicas ?? 0) > updated) return {done: false, failed: false, message: `${(status.replicas ?? 0) - updated} old replicas are pending termination`}
  if ((status.availableReplicas ?? 0) < updated) return {done: false, failed: false, message: `${status.availableReplicas ?? 0} of ${updated} updated replicas are available`}
  return {done: true, failed: false, message: `${updated} replicas up to date and available`}
}

/** Polls until done; throws when the check reports failure, and on timeout when `timeoutMessage` is given. */
async function poll(options: WaitOptions, check: () => Promise<RolloutState>, timeoutMessage?: (last: string) => string): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  let last = ''
  for (;;) {
    const state = await check()
    if (state.message !== last) options.onProgress?.(state.message)
    last = state.message
    if (state.done) return
    if (state.failed) throw new ExternalError(state.message)
    if (Date.now() >= deadline) {
      if (timeoutMessage) throw new ExternalError(timeoutMessage(last))
      return
    }
    await new Promise(resolve => setTimeout(resolve, Math.min(options.pollMs ?? 2000, Math.max(0, deadline - Date.now()))))
  }
}

function header(ref: ObjectRef): {apiVersion: string; kind: string; metadata: {name: string; namespace?: string}} {
  return {apiVersion: ref.apiVersion, kind: ref.kind, metadata: {name: ref.metadata.name, ...(ref.metadata.namespace ? {namespace: ref.metadata.namespace} : {})}}
}

function statusOf(error: unknown): number | undefined {
  const code = (error as {code?: unknown})?.code
  return typeof code === 'number' ? code : undefined
}

function reasonOf(error: unknown): string {
  const body = (error as {body?: unknown})?.body
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body
    if (parsed && typeof parsed === 'object' && 'message' in parsed) return String((parsed as {message: unknown}).message)
  } catch {
    // not JSON: fall through to the error's own message
  }
  const e = error as {message?: string; cause?: {code?: string}}
  return (e?.cause?.code ? `${e.cause.code}: ` : '') + String(e?.message ?? error).split('\n')[0]!.slice(0, 300)
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
