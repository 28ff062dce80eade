/**
 * HTTP transport to an MLflow tracking server: `<tracking uri>/api/2.0/mlflow/<endpoint>` with GET fields in the
 * query string and JSON bodies otherwise (spec §6.1), credentials from the environment (never printed), retries
 * and timeouts (§7), and MLflow error codes turned into one readable line with a stable exit code.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {ExternalError, UserError, type SentiopsError} from '../../errors.js'
import {silentReporter, type Reporter} from '../../reporter.js'
import {AlreadyExistsError, NotFoundError} from '../errors.js'
import {maskUri} from '../uri.js'
import {redact, resolveAuth, type Auth} from './auth.js'
import {backoffMs, RETRYABLE_STATUSES, retryPolicyFromEnv, type RetryPolicy} from './retry.js'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'
type Fields = Record<string, unknown>

export interface CallOptions<T> {
  /**
   * For calls that are not safe to repeat (creating runs, experiments, versions): asked before every retry whether
   * the earlier attempt took effect after all; a value ends the call with that result.
   */
  reconcile?: () => Promise<T | undefined>
}

export interface RawRequest {
  method: HttpMethod
  url: string
  body?: Uint8Array
  headers?: Record<string, string>
  /** What the request is about, for messages (e.g. "upload model/MLmodel"). */
  what: string
}

export interface MlflowHttpOptions {
  env?: NodeJS.ProcessEnv
  reporter?: Reporter
}

const TLS_ENV = ['MLFLOW_TRACKING_INSECURE_TLS', 'MLFLOW_TRACKING_SERVER_CERT_PATH', 'MLFLOW_TRACKING_CLIENT_CERT_PATH']

export class MlflowHttpClient {
  /** The tracking URI with credentials masked. */
  readonly displayUri: string
  /** Scheme, host and port of the server. */
  readonly origin: string
  /** The tracking URI's path prefix without a trailing slash ('' at the root, '/owner/repo.mlflow' on DagsHub). */
  readonly prefix: string
  private readonly auth: Auth
  private readonly policy: RetryPolicy
  private readonly reporter: Reporter

  constructor(trackingUrl: URL, options: MlflowHttpOptions = {}) {
    const env = options.env ?? process.env
    this.reporter = options.reporter ?? silentReporter
    this.auth = resolveAuth(env, trackingUrl)
    this.policy = retryPolicyFromEnv(env)
    this.origin = trackingUrl.origin
    this.prefix = trackingUrl.pathname.replace(/\/+$/, '')
    this.displayUri = maskUri(trackingUrl.href).replace(/\/+$/, '')
    for (const name of TLS_ENV) {
      if (env[name]) this.reporter.warn(`${name} is not supported by sentiops; for a private CA start node with NODE_EXTRA_CA_CERTS=<pem file>`)
    }
  }

  /** `<base>/<path>` keeping the tracking URI's path prefix (e.g. DagsHub's /<owner>/<repo>.mlflow). */
  url(pathAndQuery: string): string {
    return `${this.origin}${this.prefix}/${pathAndQuery.replace(/^\/+/, '')}`
  }

  /** Calls a JSON endpoint such as `runs/get`; resolves to the parsed response body. */
  async call<T>(method: HttpMethod, endpoint: string, fields: Fields = {}, options: CallOptions<T> = {}): Promise<T> {
    const what = `${method} ${endpoint}`
    // The server reads GET fields from the query string and every other method's from a JSON body (as MLflow's
    // own client sends them); a DELETE carries its fields in both, which every server version accepts.
    const request: RawRequest = method === 'GET'
      ? {method, url: this.url(`api/2.0/mlflow/${endpoint}${toQuery(fields)}`), what}
      : {
          method,
          url: this.url(`api/2.0/mlflow/${endpoint}${method === 'DELETE' ? toQuery(fields) : ''}`),
          body: Buffer.from(JSON.stringify(fields, jsonNumbers)),
          headers: {'Content-Type': 'application/json'},
          what,
        }
    const response = await this.send(request, options.reconcile as (() => Promise<unknown>) | undefined)
    if (response.reconciled !== undefined) return response.reconciled as T
    const text = await response.res!.text()
    if (text.trim() === '') return {} as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new ExternalError(`MLflow ${this.displayUri}: ${what} answered HTTP ${response.res!.status} with a body that is not JSON`)
    }
  }

  /**
   * Sends one request with the retry policy. Resolves with a 2xx response; any other final answer is thrown as
   * a mapped error (4xx at once, retryable statuses after the last retry).
   */
  async send(request: RawRequest, reconcile?: () => Promise<unknown>): Promise<{res?: Response; reconciled?: unknown}> {
    const attempts = this.policy.maxRetries + 1
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && reconcile) {
        const done = await reconcile().catch(() => undefined)
        if (done !== undefined) return {reconciled: done}
      }
      let res: Response
      try {
        res = await fetch(request.url, {
          method: request.method,
          headers: {...request.headers, ...(this.auth.header ? {Authorization: this.auth.header} : {})},
          body: request.body,
          signal: AbortSignal.timeout(this.policy.timeoutMs),
          redirect: 'follow',
        })
      } catch (error) {
        const failure = this.networkError(request, error)
        if (attempt >= attempts) throw failure
        await this.wait(request, attempt, failure.message)
        continue
      }
      if (res.ok) return {res}
      const body = await res.text().catch(() => '')
      const mapped = this.httpError(request, res.status, body)
      if (attempt >= attempts || !isRetryable(res.status, body)) throw mapped
      await this.wait(request, attempt, `HTTP ${res.status}`, res.headers.get('retry-after'))
    }
  }

  private async wait(request: RawRequest, attempt: number, reason: string, retryAfter?: string | null): Promise<void> {
    const ms = backoffMs(this.policy, attempt, retryAfter)
    this.reporter.info(`MLflow ${this.displayUri}: ${request.what} failed (${this.scrub(reason)}); retry ${attempt}/${this.policy.maxRetries} in ${(ms / 1000).toFixed(1)}s`)
    await sleep(ms)
  }

  private networkError(request: RawRequest, error: unknown): ExternalError {
    const e = error as {name?: string; cause?: {code?: string; message?: string}; message?: string}
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      return new ExternalError(`MLflow ${this.displayUri}: ${request.what} timed out after ${this.policy.timeoutMs / 1000}s (MLFLOW_HTTP_REQUEST_TIMEOUT)`)
    }
    const reason = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)
    return new ExternalError(`cannot reach the MLflow tracking server at ${this.displayUri} (${this.scrub(reason)}): check MLFLOW_TRACKING_URI and that the server is running`, {
      data: {uri: this.displayUri, reason},
    })
  }

  /** One readable line per MLflow error (spec §7): error_code from the JSON body, or synthesized from the status. */
  httpError(request: RawRequest, status: number, body: string): SentiopsError {
    const parsed = parseErrorBody(body)
    const code = parsed?.error_code ?? codeForStatus(status)
    const serverMessage = this.scrub((parsed?.message ?? '').split('\n')[0].slice(0, 300))
    const detail = serverMessage ? `: ${serverMessage}` : ''
    const data = {httpStatus: status, errorCode: code, endpoint: request.what, uri: this.displayUri}
    const where = `MLflow ${this.displayUri}`
    if (status === 401 || status === 403 || code === 'UNAUTHENTICATED' || code === 'PERMISSION_DENIED') {
      const how = this.auth.source ? `the credentials from ${this.auth.source} were refused` : 'no credentials were sent'
      return new UserError(`authentication failed for ${this.displayUri} (HTTP ${status}, ${how}): check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN`, {data})
    }
    if (code === 'RESOURCE_DOES_NOT_EXIST' || code === 'NOT_FOUND') return new NotFoundError(`${where}${detail || `: not found (${request.what})`}`, {data})
    if (code === 'RESOURCE_ALREADY_EXISTS' || code === 'ALREADY_EXISTS') return new AlreadyExistsError(`${where}${detail || ': already exists'}`, {data})
    if (code === 'ENDPOINT_NOT_FOUND' || (status === 404 && !parsed)) {
      return new ExternalError(`${where}: ${request.what} is not an MLflow endpoint there (HTTP 404): is this the tracking URI of an MLflow ≥ 2 server?`, {data})
    }
    if (code === 'INVALID_PARAMETER_VALUE' || code === 'BAD_REQUEST' || status === 400) {
      return new UserError(`${where} rejected ${request.what}${detail} (${code})`, {data})
    }
    if (status === 503 && /disabled/i.test(serverMessage + body.slice(0, 200))) {
      return new UserError(`${where}: the artifact store is not reachable through the tracking server (it runs with --no-serve-artifacts)`, {data})
    }
    return new ExternalError(`${where}: ${request.what} failed with HTTP ${status}${detail} (${code})`, {data})
  }

  scrub(text: string): string {
    return redact(text, this.auth.secrets)
  }
}

/**
 * Statuses worth retrying. A 500 carrying a structured MLflow error is the server's considered answer (e.g.
 * "Changing param values is not allowed"), so it is retried only when its message sounds transient.
 */
function isRetryable(status: number, body: string): boolean {
  if (!RETRYABLE_STATUSES.has(status)) return false
  if (status !== 500) return true
  const parsed = parseErrorBody(body)
  if (!parsed?.error_code) return true
  return /locked|timeout|timed out|temporar|unavailable|connection|try again/i.test(parsed.message ?? '')
}

function parseErrorBody(body: string): {error_code?: string; message?: string} | undefined {
  try {
    const value = JSON.parse(body) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as {error_code?: string; message?: string}
  } catch {
    // HTML error pages from Flask, proxies and gateways.
  }
  return undefined
}

/** MLflow's own fallback when a response carries no error_code. */
function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BAD_REQUEST'
    case 401: return 'UNAUTHENTICATED'
    case 403: return 'PERMISSION_DENIED'
    case 404: return 'ENDPOINT_NOT_FOUND'
    case 429: return 'REQUEST_LIMIT_EXCEEDED'
    case 501: return 'NOT_IMPLEMENTED'
    case 503: return 'TEMPORARILY_UNAVAILABLE'
    case 504: return 'DEADLINE_EXCEEDED'
    default: return status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`
  }
}

/** snake_case fields in the query string; arrays as repeated keys (`stages=a&stages=b`), as MLflow's client does. */
export function toQuery(fields: Fields): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** NaN and ±Infinity as the strings protobuf-JSON expects ("NaN", "Infinity", "-Infinity"). */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  return value
}
