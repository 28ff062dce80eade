/**
 * An in-process MLflow tracking server (contract fake) for the REST store tests. It follows the endpoints, JSON
 * fields and error shapes of ../shared/specs/mlflow-store-and-rest.md §6–§8 (as verified against MLflow 2.12.2):
 * GET fields in the query string, JSON bodies elsewhere (400 INVALID_PARAMETER_VALUE otherwise), int64 as JSON
 * numbers, `version` as a string, NaN metrics as "NaN", `{error_code, message}` errors with MLflow's statuses,
 * a missing proxied artifact as 500 "No such file", a missing alias as 400 (the file-backed registry's answer),
 * Flask's 405 for a known endpoint called with another method and 404 for an unknown one.
 * Like `mlflow server`, it runs in one of the artifact modes of §8 (`defaultArtifactRoot`: proxied
 * `mlflow-artifacts:` by default, or a plain path, `file://` or `s3://` root that clients write themselves) and
 * with a file-backed or a database-backed registry (`store: 'database'`: no aliases in model-versions/search and
 * latest_versions, sequential experiment ids). Faults (statuses, dropped connections, lost responses, delays) and
 * required credentials are injectable.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {readdir, stat} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

type Json = Record<string, any>

export interface RecordedRequest {
  method: string
  endpoint: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: any
}

export interface Fault {
  /** e.g. 'POST runs/create' or 'PUT mlflow-artifacts'. */
  match: string
  /** Answer with this status and body instead of handling the request. */
  status?: number
  body?: string
  headers?: Record<string, string>
  /** Close the connection without an answer, before handling. */
  drop?: boolean
  /** Handle the request (state changes), then close the connection: the client never sees the answer. */
  loseResponse?: boolean
  delayMs?: number
}

class MlflowError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

interface FakeRun {
  info: Json
  params: Map<string, string>
  tags: Map<string, string>
  metrics: Map<string, Json[]>
}

interface FakeVersion {
  name: string
  version: number
  creation_timestamp: number
  last_updated_timestamp: number
  current_stage: string
  description: string
  source: string
  run_id: string
  status: string
  tags: Map<string, string>
  pendingPolls: number
}

interface FakeModel {
  name: string
  creation_timestamp: number
  last_updated_timestamp: number
  description: string
  tags: Map<string, string>
  aliases: Map<string, number>
  versions: FakeVersion[]
}

const STAGES = ['None', 'Staging', 'Production', 'Archived']

/** MLflow 2.x REST endpoints and their methods (service.proto, model_registry.proto); others are Flask 404s. */
const ENDPOINT_METHODS: Record<string, string[]> = {
  'experiments/create': ['POST'], 'experiments/search': ['POST', 'GET'], 'experiments/get': ['GET'], 'experiments/get-by-name': ['GET'],
  'experiments/delete': ['POST'], 'experiments/restore': ['POST'], 'experiments/update': ['POST'], 'experiments/set-experiment-tag': ['POST'],
  'runs/create': ['POST'], 'runs/update': ['POST'], 'runs/delete': ['POST'], 'runs/restore': ['POST'], 'runs/log-metric': ['POST'],
  'runs/log-parameter': ['POST'], 'runs/set-tag': ['POST'], 'runs/delete-tag': ['POST'], 'runs/get': ['GET'], 'runs/search': ['POST'],
  'runs/log-batch': ['POST'], 'runs/log-model': ['POST'], 'runs/log-inputs': ['POST'], 'artifacts/list': ['GET'], 'metrics/get-history': ['GET'],
  'registered-models/create': ['POST'], 'registered-models/rename': ['POST'], 'registered-models/update': ['PATCH'],
  'registered-models/delete': ['DELETE'], 'registered-models/get': ['GET'], 'registered-models/search': ['GET'],
  'registered-models/get-latest-versions': ['POST', 'GET'], 'registered-models/set-tag': ['POST'], 'registered-models/delete-tag': ['DELETE'],
  'registered-models/alias': ['POST', 'GET', 'DELETE'], 'model-versions/create': ['POST'], 'model-versions/update': ['PATCH'],
  'model-versions/transition-stage': ['POST'], 'model-versions/delete': ['DELETE'], 'model-versions/get': ['GET'],
  'model-versions/search': ['GET'], 'model-versions/get-download-uri': ['GET'], 'model-versions/set-tag': ['POST'],
  'model-versions/delete-tag': ['DELETE'],
}

export interface FakeServerOptions {
  /**
   * `mlflow server --default-artifact-root ROOT`: a plain absolute path, `file:///…` or `s3://bucket/prefix`.
   * Experiments get `<ROOT>/<id>` and clients write there themselves. Unset: proxied `mlflow-artifacts:/<id>`.
   */
  defaultArtifactRoot?: string
  /** false = `--no-serve-artifacts`: the mlflow-artifacts routes answer 503. */
  serveArtifacts?: boolean
  /** 'database' = a sqlite/postgres backend store (spec §8); 'file' (default) = a FileStore backend. */
  store?: 'file' | 'database'
}

export class FakeMlflowServer {
  readonly requests: RecordedRequest[] = []
  readonly faults: Fault[] = []
  /** When set, every request must carry exactly this Authorization header (else 401, non-JSON, as proxies answer). */
  requiredAuth?: string
  /** New versions report PENDING_REGISTRATION for this many reads before READY. */
  pendingPolls = 0
  readonly experiments = new Map<string, Json>()
  readonly runs = new Map<string, FakeRun>()
  readonly artifacts = new Map<string, Buffer>()
  readonly models = new Map<string, FakeModel>()
  private server?: http.Server
  private clock = 1_795_660_644_722

  constructor(readonly prefix = '', readonly options: FakeServerOptions = {}) {
    this.experiments.set('0', {experiment_id: '0', name: 'Default', artifact_location: this.artifactLocation('0'), lifecycle_stage: 'active', last_update_time: this.clock, creation_time: this.clock})
  }

  private artifactLocation(experimentId: string): string {
    const root = this.options.defaultArtifactRoot
    return root ? `${root.replace(/\/+$/, '')}/${experimentId}` : `mlflow-artifacts:/${experimentId}`
  }

  private get database(): boolean {
    return this.options.store === 'database'
  }

  get url(): string {
    const {port} = this.server!.address() as AddressInfo
    return `http://127.0.0.1:${port}${this.prefix}`
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server ? this.server.close(() => resolve()) : resolve())
  }

  calls(match: string): RecordedRequest[] {
    return this.requests.filter(r => `${r.method} ${r.endpoint}` === match || (match.endsWith(' mlflow-artifacts') && r.endpoint.startsWith('mlflow-artifacts/') && r.method === match.split(' ')[0]))
  }

  private now(): number {
    return ++this.clock
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    if (!url.pathname.startsWith(`${this.prefix}/api/2.0/`)) return this.send(res, 404, FLASK_404, 'text/html')
    const rest = url.pathname.slice(`${this.prefix}/api/2.0/`.length)
    const endpoint = rest.startsWith('mlflow-artifacts/') ? rest : rest.replace(/^mlflow\//, '')
    const method = req.method ?? 'GET'
    const allowed = endpoint.startsWith('mlflow-artifacts/') || !rest.startsWith('mlflow/') ? undefined : ENDPOINT_METHODS[endpoint]
    const isJson = method !== 'GET' && method !== 'PUT' && raw.length > 0
    let body: any = method === 'PUT' ? raw : undefined
    if (isJson) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        body = undefined
      }
    }
    this.requests.push({method, endpoint, query: url.searchParams, headers: req.headers, body})

    const faultIndex = this.faults.findIndex(f => f.match === `${method} ${endpoint}` || (f.match === `${method} mlflow-artifacts` && endpoint.startsWith('mlflow-artifacts/')))
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0] : undefined
    if (fault?.delayMs) await new Promise(resolve => setTimeout(resolve, fault.delayMs))
    if (fault?.drop) return void req.socket.destroy()
    if (fault?.status) return this.send(res, fault.status, fault.body ?? '', fault.body?.startsWith('{') ? 'application/json' : 'text/html', fault.headers)

    if (this.requiredAuth !== undefined && req.headers.authorization !== this.requiredAuth) {
      return this.send(res, 401, 'You are not authenticated. Please see the documentation.', 'text/plain')
    }
    if (!endpoint.startsWith('mlflow-artifacts/')) {
      if (!allowed) return this.send(res, 404, FLASK_404, 'text/html')
      if (!allowed.includes(method)) return this.send(res, 405, FLASK_405, 'text/html', {Allow: [...allowed, 'OPTIONS'].join(', ')})
    } else if (this.options.serveArtifacts === false) {
      return this.send(res, 503, 'Endpoint: /api/2.0/mlflow-artifacts/artifacts disabled due to the mlflow server running with `--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`', 'text/plain')
    }
    try {
      if ((method === 'POST' || method === 'PATCH') && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].")
      }
      const fields: Json = method === 'GET' ? queryFields(url.searchParams) : method === 'PUT' ? {} : (body ?? {})
      const result = endpoint.startsWith('mlflow-artifacts/')
        ? this.artifactRoute(method, decodeURIComponent(endpoint.slice('mlflow-artifacts/artifacts'.length).replace(/^\/+/, '')), raw, url.searchParams)
        : await this.route(`${method} ${endpoint}`, fields)
      if (fault?.loseResponse) return void req.socket.destroy()
      if (Buffer.isBuffer(result)) return this.send(res, 200, result, 'application/octet-stream')
      this.send(res, 200, JSON.stringify(result), 'application/json')
    } catch (error) {
      if (error instanceof MlflowError) return this.send(res, error.status, JSON.stringify({error_code: error.code, message: error.message}), 'application/json')
      this.send(res, 500, '<html><body>Internal Server Error</body></html>', 'text/html')
    }
  }

  private send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {'Content-Type': type, ...headers})
    res.end(body)
  }

  private artifactRoute(method: string, artifactPath: string, raw: Buffer, query: URLSearchParams): Buffer | Json {
    if (method === 'PUT') {
      this.artifacts.set(artifactPath, raw)
      return {}
    }
    if (method === 'GET' && artifactPath === '') {
      const dir = (query.get('path') ?? '').replace(/\/+$/, '')
      return {files: this.listDir(dir).map(f => ({...f, path: f.path.split('/').at(-1)}))}
    }
    const file = this.artifacts.get(artifactPath)
    if (!file) throw new MlflowError(500, 'INTERNAL_ERROR', `[Errno 2] No such file or directory: '/srv/mlartifacts/${artifactPath}'`)
    return file
  }

  /** Entries directly under `dir` (paths relative to the artifact root). */
  private listDir(dir: string): Array<{path: string; is_dir: boolean; file_size?: number}> {
    const prefix = dir ? `${dir}/` : ''
    const seen = new Map<string, {path: string; is_dir: boolean; file_size?: number}>()
    for (const [key, value] of this.artifacts) {
      if (!key.startsWith(prefix)) continue
      const rest = key.slice(prefix.length)
      const [head, ...tail] = rest.split('/')
      const p = prefix + head
      seen.set(p, tail.length > 0 ? {path: p, is_dir: true} : {path: p, is_dir: false, file_size: value.length})
    }
    return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path))
  }

  private async route(key: string, f: Json): Promise<Json> {
    switch (key) {
      case 'GET experiments/get-by-name': {
        const e = [...this.experiments.values()].find(x => x.name === f.experiment_name)
        if (!e) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${f.experiment_name}'`)
        return {experiment: e}
      }
      case 'POST experiments/create': {
        if (!f.name) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'name'.")
        if ([...this.experiments.values()].some(x => x.name === f.name)) throw new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${f.name}' already exists.`)
        // A database store numbers experiments 1, 2, …; the file store draws random 18-digit ids.
        const id = this.database ? String(this.experiments.size) : String(100_000_000_000_000_000n + BigInt(this.experiments.size))
        const now = this.now()
        this.experiments.set(id, {experiment_id: id, name: f.name, artifact_location: f.artifact_location || this.artifactLocation(id), lifecycle_stage: 'active', last_update_time: now, creation_time: now})
        return {experiment_id: id}
      }
      case 'POST runs/create': {
        const exp = this.experiments.get(String(f.experiment_id))
        if (!exp) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${f.experiment_id} exists`)
        const runId = randomUUID().replaceAll('-', '')
        const tags = new Map<string, string>((f.tags ?? []).map((t: Json) => [t.key, t.value]))
        const runName = f.run_name || tags.get('mlflow.runName') || 'fake-run-1'
        tags.set('mlflow.runName', runName)
        const info = {
          run_id: runId, run_uuid: runId, run_name: runName, experiment_id: exp.experiment_id, user_id: f.user_id ?? '',
          status: 'RUNNING', start_time: f.start_time ?? this.now(), artifact_uri: `${exp.artifact_location}/${runId}/artifacts`, lifecycle_stage: 'active',
        }
        this.runs.set(runId, {info, params: new Map(), tags, metrics: new Map()})
        return {run: this.runJson(runId)}
      }
      case 'POST runs/update': {
        const run = this.run(f.run_id ?? f.run_uuid)
        if (f.status) run.info.status = f.status
        if (f.end_time !== undefined) run.info.end_time = f.end_time
        if (f.run_name) {
          run.info.run_name = f.run_name
          run.tags.set('mlflow.runName', f.run_name)
        }
        return {run_info: run.info}
      }
      case 'POST runs/log-batch': {
        const run = this.run(f.run_id)
        if ((f.metrics?.length ?? 0) > 1000 || (f.params?.length ?? 0) > 100 || (f.tags?.length ?? 0) > 100) {
          throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', 'A batch logging request can contain at most 1000 metrics, 100 params and 100 tags')
        }
        for (const p of f.params ?? []) {
          const old = run.params.get(p.key)
          if (old !== undefined && old !== p.value) {
            throw new MlflowError(500, 'INTERNAL_ERROR', `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${f.run_id}'. Attempted logging new value '${p.value}'.`)
          }
          run.params.set(p.key, p.value)
        }
        for (const m of f.metrics ?? []) {
          if (typeof m.value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(m.value)) {
            throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(m.value)} for metric '${m.key}'`)
          }
          run.metrics.set(m.key, [...(run.metrics.get(m.key) ?? []), {key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0}])
        }
        for (const t of f.tags ?? []) run.tags.set(t.key, t.value)
        return {}
      }
      case 'GET runs/get':
        return {run: this.runJson(this.run(f.run_id).info.run_id)}
      case 'POST runs/search': {
        const ids: string[] = f.experiment_ids ?? []
        const clauses = parseFilter(f.filter ?? '')
        let runs = [...this.runs.values()].filter(r => ids.includes(r.info.experiment_id) && r.info.lifecycle_stage === 'active')
        runs = runs.filter(r => clauses.every(c => (c.kind === 'tags' ? r.tags.get(c.key) : c.kind === 'params' ? r.params.get(c.key) : r.info[c.key]) === c.value))
        runs.sort((a, b) => b.info.start_time - a.info.start_time)
        const start = Number(f.page_token ?? 0)
        const max = Number(f.max_results ?? 1000)
        const page = runs.slice(start, start + max)
        return {runs: page.map(r => this.runJson(r.info.run_id)), ...(start + max < runs.length ? {next_page_token: String(start + max)} : {})}
      }
      case 'GET artifacts/list': {
        const run = this.run(f.run_id)
        const uri = String(run.info.artifact_uri)
        // A local root is on the server's own filesystem (which it shares with its clients): list it there.
        if (!uri.startsWith('mlflow-artifacts:')) return {root_uri: uri, files: await listLocal(uri, f.path ?? '')}
        const root = uri.replace(/^mlflow-artifacts:\/+/, '')
        const dir = f.path ? `${root}/${f.path}` : root
        const files = this.listDir(dir).map(e => ({...e, path: e.path.slice(root.length + 1)}))
        return {root_uri: run.info.artifact_uri, files}
      }
      case 'POST registered-models/create': {
        if (this.models.has(f.name)) throw new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${f.name}) already exists.`)
        const now = this.now()
        this.models.set(f.name, {
          name: f.name, creation_timestamp: now, last_updated_timestamp: now, description: f.description ?? '',
          tags: new Map((f.tags ?? []).map((t: Json) => [t.key, t.value])), aliases: new Map(), versions: [],
        })
        return {registered_model: this.modelJson(f.name)}
      }
      case 'GET registered-models/get':
        return {registered_model: this.modelJson(this.model(f.name).name)}
      case 'GET registered-models/search': {
        const names = [...this.models.keys()].sort()
        const start = Number(f.page_token ?? 0)
        const max = Number(f.max_results ?? 100)
        return {registered_models: names.slice(start, start + max).map(n => this.modelJson(n)), ...(start + max < names.length ? {next_page_token: String(start + max)} : {})}
      }
      case 'POST registered-models/alias': {
        const m = this.model(f.name)
        this.version(f.name, f.version)
        m.aliases.set(f.alias, Number(f.version))
        m.last_updated_timestamp = this.now()
        return {}
      }
      case 'GET registered-models/alias': {
        const m = this.model(f.name)
        const v = m.aliases.get(f.alias)
        if (v === undefined) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Registered model alias ${f.alias} not found.`)
        return {model_version: this.versionJson(this.version(f.name, String(v)))}
      }
      case 'DELETE registered-models/alias': {
        this.model(f.name).aliases.delete(f.alias)
        return {}
      }
      case 'POST registered-models/get-latest-versions':
      case 'GET registered-models/get-latest-versions': {
        const m = this.model(f.name)
        const wanted = (f.stages && f.stages.length > 0 ? f.stages : STAGES).map((s: string) => STAGES.find(x => x.toLowerCase() === s.toLowerCase()))
        const out: Json[] = []
        for (const stage of wanted) {
          const inStage = m.versions.filter(v => v.current_stage === stage).sort((a, b) => b.version - a.version)[0]
          if (inStage) out.push(this.versionJson(inStage, true))
        }
        return {model_versions: out}
      }
      case 'POST model-versions/create': {
        const m = this.model(f.name)
        if (!f.source) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'source'.")
        if (String(f.source).split('/').includes('..')) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid model version source: '${f.source}'.`)
        if (isLocalUri(String(f.source))) {
          // A local source must be given with its run and lie inside that run's artifact folder (spec §6.4).
          const run = f.run_id ? this.runs.get(f.run_id) : undefined
          const root = run ? localPath(String(run.info.artifact_uri)) : undefined
          const source = localPath(String(f.source))
          if (!root || !(source === root || source.startsWith(`${root}/`))) {
            throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid model version source: '${f.source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`)
          }
        }
        const now = this.now()
        const v: FakeVersion = {
          name: f.name, version: m.versions.length + 1, creation_timestamp: now, last_updated_timestamp: now, current_stage: 'None', description: '',
          source: f.source, run_id: f.run_id ?? '', status: this.pendingPolls > 0 ? 'PENDING_REGISTRATION' : 'READY',
          tags: new Map((f.tags ?? []).map((t: Json) => [t.key, t.value])), pendingPolls: this.pendingPolls,
        }
        m.versions.push(v)
        m.last_updated_timestamp = now
        return {model_version: this.versionJson(v)}
      }
      case 'GET model-versions/get': {
        const v = this.version(f.name, f.version)
        if (v.pendingPolls > 0 && --v.pendingPolls === 0) v.status = 'READY'
        return {model_version: this.versionJson(v)}
      }
      case 'GET model-versions/search': {
        const name = /^name\s*=\s*'(.*)'$/.exec(String(f.filter ?? ''))?.[1]
        const all = [...this.models.values()].flatMap(m => m.versions).filter(v => name === undefined || v.name === name)
        return {model_versions: all.map(v => this.versionJson(v, true))}
      }
      case 'POST model-versions/transition-stage': {
        if (typeof f.archive_existing_versions !== 'boolean') throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'archive_existing_versions'.")
        const stage = STAGES.find(s => s.toLowerCase() === String(f.stage).toLowerCase())
        if (!stage) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid Model Version stage: ${f.stage}. Value must be one of None, Staging, Production, Archived.`)
        const v = this.version(f.name, f.version)
        const now = this.now()
        if (f.archive_existing_versions) {
          for (const other of this.model(f.name).versions) {
            if (other !== v && other.current_stage === stage) {
              other.current_stage = 'Archived'
              other.last_updated_timestamp = now
            }
          }
        }
        v.current_stage = stage
        v.last_updated_timestamp = now
        return {model_version: this.versionJson(v)}
      }
      case 'POST model-versions/set-tag': {
        this.version(f.name, f.version).tags.set(f.key, f.value)
        return {}
      }
      default:
        throw new MlflowError(404, 'ENDPOINT_NOT_FOUND', `the contract fake does not implement ${key}`)
    }
  }

  private run(runId: string): FakeRun {
    const run = this.runs.get(runId)
    if (!run) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`)
    return run
  }

  private runJson(runId: string): Json {
    const run = this.run(runId)
    const metrics: Json[] = []
    for (const points of run.metrics.values()) {
      const num = (x: any) => (typeof x === 'number' ? x : Number(x))
      metrics.push([...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || num(a.value) - num(b.value)).at(-1)!)
    }
    const data: Json = {
      params: [...run.params].map(([key, value]) => ({key, value})),
      tags: [...run.tags].map(([key, value]) => ({key, value})),
    }
    if (metrics.length > 0) data.metrics = metrics
    return {info: run.info, data, inputs: {}}
  }

  private model(name: string): FakeModel {
    const m = this.models.get(name)
    if (!m) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
    return m
  }

  private version(name: string, version: string | number): FakeVersion {
    const v = this.model(name).versions.find(x => x.version === Number(version))
    if (!v) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`)
    return v
  }

  /** `listing`: a version as model-versions/search and latest_versions return it, where database stores leave out aliases. */
  private versionJson(v: FakeVersion, listing = false): Json {
    const aliases = listing && this.database ? [] : [...this.model(v.name).aliases].filter(([, n]) => n === v.version).map(([a]) => a)
    return {
      name: v.name, version: String(v.version), creation_timestamp: v.creation_timestamp, last_updated_timestamp: v.last_updated_timestamp,
      current_stage: v.current_stage, ...(v.description ? {description: v.description} : {}), source: v.source, run_id: v.run_id,
      status: v.status, tags: [...v.tags].map(([key, value]) => ({key, value})), run_link: '', aliases,
    }
  }

  private modelJson(name: string): Json {
    const m = this.model(name)
    const latest: Json[] = []
    for (const stage of STAGES) {
      const v = m.versions.filter(x => x.current_stage === stage).sort((a, b) => b.version - a.version)[0]
      if (v) latest.push(this.versionJson(v, true))
    }
    return {
      name: m.name, creation_timestamp: m.creation_timestamp, last_updated_timestamp: m.last_updated_timestamp,
      ...(m.description ? {description: m.description} : {}),
      latest_versions: latest, tags: [...m.tags].map(([key, value]) => ({key, value})),
      aliases: [...m.aliases].map(([alias, version]) => ({alias, version: String(version)})),
    }
  }

  /** A random 32-hex token, for tests that need a credential value. */
  static token(): string {
    return randomBytes(16).toString('hex')
  }
}

function queryFields(params: URLSearchParams): Json {
  const out: Json = {}
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key)
    out[key] = key === 'stages' || key === 'experiment_ids' || key === 'order_by' ? all : all[0]
  }
  return out
}

/** The equality subset of MLflow's search grammar: `kind.\`key\` = 'value'` (or "value") clauses joined by `and`. */
function parseFilter(filter: string): Array<{kind: 'tags' | 'params' | 'attributes'; key: string; value: string}> {
  if (filter.trim() === '') return []
  return filter.split(/\s+and\s+/i).map(clause => {
    const m = /^(tags|params|attributes)\.(?:`([^`]+)`|(\w+))\s*=\s*(?:'([^']*)'|"([^"]*)")$/.exec(clause.trim())
    if (!m) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${clause}'`)
    return {kind: m[1] as 'tags' | 'params' | 'attributes', key: m[2] ?? m[3], value: m[4] ?? m[5]}
  })
}

const FLASK_404 = '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n'
const FLASK_405 = '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n'

function isLocalUri(uri: string): boolean {
  return uri.startsWith('file:') || uri.startsWith('/')
}

function localPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : path.resolve(uri)
}

/** `artifacts/list` over a local artifact root: run-relative paths of the entries directly under `sub`. */
async function listLocal(rootUri: string, sub: string): Promise<Array<{path: string; is_dir: boolean; file_size?: number}>> {
  if (!isLocalUri(rootUri)) throw new Error(`the fake cannot list ${rootUri}`)
  const dir = path.join(localPath(rootUri), ...sub.split('/').filter(Boolean))
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => [])
  const out = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = [sub, e.name].filter(Boolean).join('/')
    out.push(e.isDirectory() ? {path: rel, is_dir: true} : {path: rel, is_dir: false, file_size: (await stat(path.join(dir, e.name))).size})
  }
  return out
}
