import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {writeFile} from 'node:fs/promises'
import YAML from 'yaml'

/**
 * A contract fake of the Kubernetes API server on loopback, for @kubernetes/client-node and the real kubectl.
 * It follows the REST contract of the kinds sentiops applies: discovery (/version, /api, /apis and each
 * group/version's APIResourceList), GET/LIST (with watch streams), POST, PATCH (server-side apply with a
 * required fieldManager, merge and strategic-merge patches), PUT and DELETE with metav1.Status errors. A tiny
 * "controller" moves Deployments to ready (or to ProgressDeadlineExceeded for images matching `neverReady`),
 * gives LoadBalancer Services an address, holds their deletion behind the load-balancer-cleanup finalizer
 * for a while (as the cloud controller does) and terminates namespaces with their contents.
 * It validates what the real API server refuses for these kinds (checked against it in
 * test/k8s/deploy-apiserver.test.ts): DNS-1123 names, required fields, base64 Secret data (HTTP 500, as the
 * real server answers). Beyond that it is a fake: no scheduling, no pods, no admission, no full schemas.
 */

interface ResourceType {
  group: string
  version: string
  plural: string
  kind: string
  namespaced: boolean
  shortNames?: string[]
}

const CORE: ResourceType[] = [
  {group: '', version: 'v1', shortNames: ['ns'], plural: 'namespaces', kind: 'Namespace', namespaced: false},
  {group: '', version: 'v1', shortNames: ['cm'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true},
  {group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true},
  {group: '', version: 'v1', shortNames: ['svc'], plural: 'services', kind: 'Service', namespaced: true},
  {group: 'apps', version: 'v1', shortNames: ['deploy'], plural: 'deployments', kind: 'Deployment', namespaced: true},
  {group: 'autoscaling', version: 'v2', shortNames: ['hpa'], plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true},
  {group: 'policy', version: 'v1', shortNames: ['pdb'], plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true},
]
const MONITORING: ResourceType[] = [
  {group: 'monitoring.coreos.com', version: 'v1', shortNames: ['smon'], plural: 'servicemonitors', kind: 'ServiceMonitor', namespaced: true},
  {group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules', kind: 'PrometheusRule', namespaced: true},
]

type Obj = {apiVersion: string; kind: string; metadata: Record<string, any>; spec?: any; status?: any; [k: string]: any}

export interface JournalEntry {
  /** apply | create | patch | replace | delete | removed (the object really left the store) */
  verb: string
  kind: string
  namespace?: string
  name: string
  fieldManager?: string
  at: number
}

export interface FakeKubeOptions {
  /** Serve monitoring.coreos.com/v1 (kube-prometheus-stack CRDs installed). */
  monitoringCrds?: boolean
  readyAfterMs?: number
  /** Deployments whose pod template uses a matching image never become available. */
  neverReady?: RegExp
  /** After this long such a rollout is marked ProgressDeadlineExceeded. */
  progressDeadlineMs?: number
  loadBalancerAfterMs?: number
  /** How long the load-balancer-cleanup finalizer holds a deleted LoadBalancer Service. */
  loadBalancerCleanupMs?: number
}

export class FakeKubeApi {
  readonly journal: JournalEntry[] = []
  private readonly objects = new Map<string, Obj>()
  private readonly types: ResourceType[]
  private readonly watchers = new Set<{type: ResourceType; namespace?: string; name?: string; res: ServerResponse}>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private server?: Server
  private revision = 1
  url = ''

  constructor(private readonly options: FakeKubeOptions = {}) {
    this.types = [...CORE, ...(options.monitoringCrds ? MONITORING : [])]
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error & {status?: number}) => {
        if (error.status === 404) this.status(res, 404, 'NotFound', error.message)
        else this.status(res, 500, 'InternalError', String(error))
      })
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    for (const w of this.watchers) w.res.end()
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** Writes a kubeconfig with one context (`fake`) pointing at this server. */
  async writeKubeconfig(file: string, context = 'fake'): Promise<void> {
    await writeFile(file, YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: context, cluster: {server: this.url, 'insecure-skip-tls-verify': true}}],
      users: [{name: context, user: {token: 'fake-token'}}],
      contexts: [{name: context, context: {cluster: context, user: context}}],
      'current-context': context,
    }))
  }

  get(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const type = this.types.find(t => t.kind === kind)
    return type ? this.objects.get(this.key(type, namespace, name)) : undefined
  }

  list(kind?: string): Obj[] {
    return [...this.objects.values()].filter(o => !kind || o.kind === kind)
  }

  // ---- HTTP -------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const parts = url.pathname.split('/').filter(Boolean)
    if (req.method === 'GET' && this.discovery(url.pathname, res)) return
    const route = this.route(parts)
    if (!route) return this.status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`)
    const {type, namespace, name} = route
    const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readBody(req)
    switch (req.method) {
      case 'GET':
        if (name) {
          const obj = this.objects.get(this.key(type, namespace, name))
          return obj ? this.json(res, 200, obj) : this.notFound(res, type, name)
        }
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return this.watch(res, type, namespace, url)
        return this.json(res, 200, {
          apiVersion: apiVersionOf(type),
          kind: `${type.kind}List`,
          metadata: {resourceVersion: String(this.revision)},
          items: this.filter(type, namespace, url),
        })
      case 'POST': {
        const obj = parse(body!, req.headers['content-type']) as Obj
        const n = obj.metadata?.name
        if (!n) return this.status(res, 422, 'Invalid', 'metadata.name: Required value')
        if (this.refuse(res, type, obj)) return
        if (this.objects.has(this.key(type, namespace, n))) return this.status(res, 409, 'AlreadyExists', `${type.plural} "${n}" already exists`)
        return this.json(res, 201, this.store(type, namespace, obj, 'create', url.searchParams.get('fieldManager') ?? undefined))
      }
      case 'PATCH': {
        if (!name) return this.status(res, 405, 'MethodNotAllowed', 'PATCH needs a name')
        const contentType = String(req.headers['content-type'] ?? '').split(';')[0]
        const existing = this.objects.get(this.key(type, namespace, name))
        if (contentType === 'application/apply-patch+yaml') {
          const manager = url.searchParams.get('fieldManager')
          if (!manager) return this.status(res, 400, 'BadRequest', 'PATCH with application/apply-patch+yaml requires a fieldManager parameter')
          const applied = parse(body!, contentType) as Obj
          if (applied.metadata?.name !== name) return this.status(res, 400, 'BadRequest', `the name of the object (${applied.metadata?.name}) does not match the name on the URL (${name})`)
          if (this.refuse(res, type, applied)) return
          const merged = existing ? {...existing, ...applied, metadata: {...existing.metadata, ...applied.metadata}, status: existing.status} : applied
          return this.json(res, existing ? 200 : 201, this.store(type, namespace, merged, 'apply', manager))
        }
        if (!existing) return this.notFound(res, type, name)
        if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
          const patched = mergePatch(structuredClone(existing), JSON.parse(body!)) as Obj
          return this.json(res, 200, this.store(type, namespace, patched, 'patch', url.searchParams.get('fieldManager') ?? undefined))
        }
        return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`)
      }
      case 'PUT': {
        if (!name || !this.objects.has(this.key(type, namespace, name))) return this.notFound(res, type, name ?? '')
        const replacement = parse(body!, req.headers['content-type']) as Obj
        if (this.refuse(res, type, replacement)) return
        return this.json(res, 200, this.store(type, namespace, replacement, 'replace', url.searchParams.get('fieldManager') ?? undefined))
      }
      case 'DELETE': {
        if (!name) return this.status(res, 405, 'MethodNotAllowed', 'collection delete is not supported by this fake')
        const obj = this.objects.get(this.key(type, namespace, name))
        if (!obj) return this.notFound(res, type, name)
        this.journal.push({verb: 'delete', kind: type.kind, namespace, name, at: Date.now()})
        this.beginDelete(type, namespace, obj)
        return this.json(res, 200, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name, kind: type.plural}})
      }
      default:
        return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported`)
    }
  }

  /** Answers as the real API server does for an object it refuses; true when it refused. */
  private refuse(res: ServerResponse, type: ResourceType, obj: Obj): boolean {
    const where = `${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`
    if (type.kind === 'Secret') {
      for (const value of Object.values((obj.data ?? {}) as Record<string, unknown>)) {
        if (typeof value !== 'string' || !BASE64.test(value)) {
          this.status(res, 500, 'InternalError', `failed to convert new object (${where}; /v1, Kind=Secret) to proper version: unable to convert unstructured object to /v1, Kind=Secret: error decoding from json: illegal base64 data at input byte 0`)
          return true
        }
      }
    }
    const problems = invalidFields(type, obj)
    if (problems.length === 0) return false
    this.json(res, 422, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422,
      message: `${type.kind} "${obj.metadata?.name}" is invalid: ${problems.map(p => `${p.field}: ${p.message}`).join(', ')}`,
      details: {name: obj.metadata?.name, kind: type.kind, causes: problems.map(p => ({reason: p.reason, message: p.message, field: p.field}))},
    })
    return true
  }

  private discovery(pathname: string, res: ServerResponse): boolean {
    const groups = [...new Set(this.types.filter(t => t.group).map(t => `${t.group}/${t.version}`))]
    if (pathname === '/version') {
      this.json(res, 200, {major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64'})
    } else if (pathname === '/api') {
      this.json(res, 200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1'}]})
    } else if (pathname === '/apis') {
      this.json(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map(gv => {
          const [name, version] = gv.split('/')
          return {name, versions: [{groupVersion: gv, version}], preferredVersion: {groupVersion: gv, version}}
        }),
      })
    } else {
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname)
      if (!m) return false
      const group = m[1] ? '' : m[2]!
      const version = m[1] ?? m[3]!
      const types = this.types.filter(t => t.group === group && t.version === version)
      if (types.length === 0) return (this.status(res, 404, 'NotFound', `the server could not find the requested resource (${pathname})`), true)
      this.json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: types.map(t => ({
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          ...(t.shortNames ? {shortNames: t.shortNames} : {}),
        })),
      })
    }
    return true
  }

  private route(parts: string[]): {type: ResourceType; namespace?: string; name?: string} | undefined {
    let group = ''
    let version: string
    let rest: string[]
    if (parts[0] === 'api') [version, rest] = [parts[1]!, parts.slice(2)]
    else if (parts[0] === 'apis') [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)]
    else return undefined
    let namespace: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]
      rest = rest.slice(2)
    }
    const type = this.types.find(t => t.group === group && t.version === version && t.plural === rest[0])
    if (!type || rest.length > 2) return undefined
    return {type, namespace, name: rest[1]}
  }

  private watch(res: ServerResponse, type: ResourceType, namespace: string | undefined, url: URL): void {
    res.writeHead(200, {'content-type': 'application/json', 'transfer-encoding': 'chunked'})
    // Send the headers now: a client that stops watching waits for them before it can cancel.
    res.flushHeaders()
    const name = /metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1]
    const watcher = {type, namespace, name, res}
    this.watchers.add(watcher)
    // A watch from a resourceVersion starts after it; without one it replays the current state.
    if (!url.searchParams.get('resourceVersion')) {
      for (const obj of this.filter(type, namespace, url)) res.write(`${JSON.stringify({type: 'ADDED', object: obj})}\n`)
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 30)
    const timer = setTimeout(() => res.end(), Math.min(timeout, 30) * 1000)
    res.on('close', () => {
      clearTimeout(timer)
      this.watchers.delete(watcher)
    })
  }

  private filter(type: ResourceType, namespace: string | undefined, url: URL): Obj[] {
    const name = /metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1]
    return [...this.objects.values()].filter(o => o.kind === type.kind && (!namespace || o.metadata.namespace === namespace) && (!name || o.metadata.name === name))
  }

  // ---- store and "controllers" ------------------------------------------------------------------------

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.kind}/${type.namespaced ? namespace ?? 'default' : ''}/${name}`
  }

  private store(type: ResourceType, namespace: string | undefined, input: Obj, verb: string, fieldManager?: string): Obj {
    const ns = type.namespaced ? namespace ?? input.metadata.namespace ?? 'default' : undefined
    if (ns && type.kind !== 'Namespace' && !this.objects.has(this.key(CORE[0]!, undefined, ns))) {
      throw Object.assign(new Error(`namespaces "${ns}" not found`), {status: 404})
    }
    const key = this.key(type, ns, input.metadata.name)
    const previous = this.objects.get(key)
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(input.spec)
    const obj: Obj = structuredClone({
      ...input,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...input.metadata,
        ...(ns ? {namespace: ns} : {}),
        uid: previous?.metadata.uid ?? `uid-${this.revision}`,
        creationTimestamp: previous?.metadata.creationTimestamp ?? new Date().toISOString(),
        resourceVersion: String(++this.revision),
        generation: (previous?.metadata.generation ?? 0) + (previous && !specChanged ? 0 : 1),
        ...(fieldManager ? {managedFields: [{manager: fieldManager, operation: verb === 'apply' ? 'Apply' : 'Update', apiVersion: apiVersionOf(type)}]} : {}),
      },
    })
    if (type.kind === 'Namespace') obj.status = {phase: 'Active'}
    this.objects.set(key, obj)
    this.journal.push({verb, kind: type.kind, namespace: ns, name: obj.metadata.name, fieldManager, at: Date.now()})
    this.notify(type, previous ? 'MODIFIED' : 'ADDED', obj)
    if (type.kind === 'Deployment' && specChanged) this.rollOut(key)
    if (type.kind === 'Service' && obj.spec?.type === 'LoadBalancer' && !obj.status?.loadBalancer?.ingress) this.assignLoadBalancer(key)
    return obj
  }

  private update(key: string, change: (o: Obj) => void): void {
    const obj = this.objects.get(key)
    if (!obj) return
    change(obj)
    obj.metadata.resourceVersion = String(++this.revision)
    this.notify(this.types.find(t => t.kind === obj.kind)!, 'MODIFIED', obj)
  }

  private rollOut(key: string): void {
    const obj = this.objects.get(key)!
    const want = obj.spec?.replicas ?? 1
    const generation = obj.metadata.generation
    const images = (obj.spec?.template?.spec?.containers ?? []).map((c: {image?: string}) => c.image ?? '')
    const failing = this.options.neverReady && images.some((i: string) => this.options.neverReady!.test(i))
    const previous = obj.status?.availableReplicas ?? 0
    this.later(this.options.readyAfterMs ?? 50, () => this.update(key, o => {
      if (o.metadata.generation !== generation) return
      o.status = failing
        ? {observedGeneration: generation, replicas: previous + 1, updatedReplicas: 1, readyReplicas: previous, availableReplicas: previous, unavailableReplicas: 1,
            conditions: [{type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${o.metadata.name}" is progressing.`}]}
        : {observedGeneration: generation, replicas: want, updatedReplicas: want, readyReplicas: want, availableReplicas: want,
            conditions: [
              {type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.'},
              {type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${o.metadata.name}" has successfully progressed.`},
            ]}
    }))
    if (failing) {
      this.later(this.options.progressDeadlineMs ?? 300, () => this.update(key, o => {
        if (o.metadata.generation !== generation) return
        o.status.conditions = [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${o.metadata.name}" has timed out progressing.`}]
      }))
    }
  }

  private assignLoadBalancer(key: string): void {
    this.later(this.options.loadBalancerAfterMs ?? 50, () => this.update(key, o => {
      o.metadata.finalizers = ['service.kubernetes.io/load-balancer-cleanup']
      o.status = {loadBalancer: {ingress: [{hostname: `a${o.metadata.uid.replace(/\W/g, '')}-fake.elb.us-east-1.amazonaws.com`}]}}
    }))
  }

  private beginDelete(type: ResourceType, namespace: string | undefined, obj: Obj): void {
    const key = this.key(type, namespace ?? obj.metadata.namespace, obj.metadata.name)
    if (obj.metadata.deletionTimestamp) return
    const holdMs = type.kind === 'Service' && obj.metadata.finalizers?.length ? this.options.loadBalancerCleanupMs ?? 200 : type.kind === 'Namespace' ? 100 : 0
    if (type.kind === 'Namespace') {
      obj.status = {phase: 'Terminating'}
      for (const [k, o] of this.objects) if (o.metadata.namespace === obj.metadata.name) this.beginDelete(this.types.find(t => t.kind === o.kind)!, o.metadata.namespace, this.objects.get(k)!)
    }
    const remove = () => {
      const current = this.objects.get(key)
      if (!current) return
      this.objects.delete(key)
      this.journal.push({verb: 'removed', kind: type.kind, namespace: current.metadata.namespace, name: current.metadata.name, at: Date.now()})
      this.notify(type, 'DELETED', current)
    }
    if (holdMs === 0) return remove()
    this.update(key, o => {
      o.metadata.deletionTimestamp = new Date().toISOString()
    })
    this.later(holdMs, remove)
  }

  private notify(type: ResourceType, event: string, obj: Obj): void {
    for (const w of this.watchers) {
      if (w.type !== type || (w.namespace && w.namespace !== obj.metadata.namespace) || (w.name && w.name !== obj.metadata.name)) continue
      w.res.write(`${JSON.stringify({type: event, object: obj})}\n`)
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  private notFound(res: ServerResponse, type: ResourceType, name: string): void {
    this.status(res, 404, 'NotFound', `${type.plural}${type.group ? `.${type.group}` : ''} "${name}" not found`)
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code})
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    if (res.headersSent) return
    res.writeHead(code, {'content-type': 'application/json'})
    res.end(JSON.stringify(body))
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** RFC 1123 subdomain (most names) and label (Namespace). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
/** Service names: a label that starts with a letter. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

interface Problem {
  field: string
  reason: 'FieldValueInvalid' | 'FieldValueRequired'
  message: string
}

/** The validation the real API server applies to the fields sentiops sets (a subset of the real rules). */
function invalidFields(type: ResourceType, obj: Obj): Problem[] {
  const problems: Problem[] = []
  const required = (field: string, value: unknown) => {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) problems.push({field, reason: 'FieldValueRequired', message: 'Required value'})
  }
  const name = String(obj.metadata?.name ?? '')
  const [pattern, max, rule] = type.kind === 'Service' ? [DNS_1035, 63, 'DNS-1035 label'] : type.kind === 'Namespace' ? [DNS_LABEL, 63, 'lowercase RFC 1123 label'] : [DNS_SUBDOMAIN, 253, 'lowercase RFC 1123 subdomain']
  if (!pattern.test(name) || name.length > max) problems.push({field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${name}": a ${rule} must match '${pattern.source}'`})
  if (type.kind === 'Deployment') {
    required('spec.selector', obj.spec?.selector)
    required('spec.template.metadata.labels', obj.spec?.template?.metadata?.labels)
    const containers = obj.spec?.template?.spec?.containers as Array<{name?: string; image?: string}> | undefined
    required('spec.template.spec.containers', containers)
    for (const [i, c] of (containers ?? []).entries()) {
      required(`spec.template.spec.containers[${i}].name`, c.name)
      required(`spec.template.spec.containers[${i}].image`, c.image)
    }
  }
  if (type.kind === 'Service') required('spec.ports', obj.spec?.ports)
  if (type.kind === 'HorizontalPodAutoscaler') {
    required('spec.scaleTargetRef.name', obj.spec?.scaleTargetRef?.name)
    required('spec.maxReplicas', obj.spec?.maxReplicas)
    if (obj.spec?.minReplicas > obj.spec?.maxReplicas) problems.push({field: 'spec.maxReplicas', reason: 'FieldValueInvalid', message: `Invalid value: ${obj.spec.maxReplicas}: must be greater than or equal to \`minReplicas\``})
  }
  return problems
}

function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version
}

function parse(body: string, contentType: string | string[] | undefined): unknown {
  return String(contentType ?? '').includes('yaml') ? YAML.parse(body) : JSON.parse(body)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** RFC 7386 JSON merge patch (strategic merge patches of the fields kubectl sends reduce to it here). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? {...(target as Record<string, unknown>)} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}
