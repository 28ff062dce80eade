import http from 'node:http'
import https from 'node:https'
import {setTimeout as sleep} from 'node:timers/promises'
import {DataError, ExternalError, type SentiopsError} from '../../errors.js'
import type {Reporter} from '../../reporter.js'
import {redactUrl} from '../../redact.js'
import {netrcAuthorization, netrcFile} from './netrc.js'
import {saveBody} from './save-body.js'

export interface HttpDownloadOptions {
  /** Longest wait for the connection, the response headers, or the next piece of the body. */
  timeoutMs: number
  /** Extra attempts after a network error, a timeout, HTTP 429 or 5xx. */
  retries: number
  signal?: AbortSignal
  reporter?: Reporter
  /** Delay before the first retry; it doubles per retry, capped at 10 s, with ±25% jitter. */
  retryDelayMs?: number
  /** Where .netrc is found ($NETRC, else $HOME/.netrc); default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface HttpDownload {
  contentType?: string
  bytes: number
  /** Where the data came from after redirects. */
  url: URL
}

const MAX_REDIRECTS = 5
const MAX_RETRY_DELAY_MS = 10_000
const MAX_RETRY_AFTER_MS = 60_000
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'])

/** Why one attempt failed, and whether another attempt may succeed. */
class AttemptFailure extends Error {
  constructor(
    readonly reason: 'status' | 'timeout' | 'network' | 'redirect',
    message: string,
    readonly retryable: boolean,
    readonly extra: {status?: number; retryAfterMs?: number; cause?: unknown} = {},
  ) {
    super(message)
  }
}

/**
 * GETs `url` into the file `dest`, streaming (the body is never held in memory), following redirects and
 * retrying with exponential backoff on network errors, timeouts, 429 and 5xx (honouring Retry-After).
 * A 4xx is final: 404 says the URL is wrong. URLs in messages are redacted (no passwords or signatures).
 * Credentials come from .netrc, looked up for each host of the redirect chain (as Python's requests does), so
 * a redirect to another host never carries the first host's password.
 */
export async function downloadHttp(url: URL, dest: string, options: HttpDownloadOptions): Promise<HttpDownload> {
  const where = redactUrl(url)
  const attempts = options.retries + 1
  const baseDelay = options.retryDelayMs ?? 250
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptDownload(url, dest, where, options, 0)
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error
      if (!error.retryable || attempt >= attempts) throw finalError(error, where, attempt, options.env ?? process.env)
      const backoff = Math.min(MAX_RETRY_DELAY_MS, baseDelay * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5)
      const delay = Math.max(backoff, Math.min(error.extra.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
      options.reporter?.warn(`GET ${where}: ${error.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`)
      await sleep(delay, undefined, {signal: options.signal})
    }
  }
}

function finalError(failure: AttemptFailure, where: string, attempts: number, env: NodeJS.ProcessEnv): SentiopsError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : ''
  const data = {url: where, status: failure.extra.status, attempts}
  if (!failure.retryable) {
    const {status} = failure.extra
    const hint = status === 404 || status === 410 ? '; check the URL in ingest.source' : status === 401 ? `; ${authHint(where, env)}` : ''
    return new DataError(`GET ${where}: ${failure.message}${hint}`, {data, cause: failure.extra.cause})
  }
  const hint = failure.reason === 'timeout' ? '; raise ingest.timeout_ms if the server is just slow' : ''
  return new ExternalError(`GET ${where}: ${failure.message}${tries}${hint}`, {data, cause: failure.extra.cause})
}

async function attemptDownload(url: URL, dest: string, where: string, options: HttpDownloadOptions, redirects: number): Promise<HttpDownload> {
  let timedOut = false
  const authorization = netrcAuthorization(url, options.env ?? process.env)
  const request = (url.protocol === 'https:' ? https : http).get(url, {
    headers: {'user-agent': 'sentiops', accept: '*/*', 'accept-encoding': 'identity', ...(authorization ? {authorization} : {})},
    timeout: options.timeoutMs, // socket idle time, which also covers stalls in the middle of the body
    signal: options.signal,
  })
  request.on('timeout', () => {
    timedOut = true
    request.destroy()
  })
  const fail = (error: unknown): never => {
    throw classify(error, timedOut, options)
  }
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve)
    request.once('error', reject)
  }).catch(fail)
  // From here on, failures surface through the response stream; a late socket error must not go unhandled.
  request.on('error', () => {})

  try {
    const status = response.statusCode ?? 0
    const location = response.headers.location
    if (status >= 300 && status < 400 && location) {
      response.resume()
      if (redirects >= MAX_REDIRECTS) throw new AttemptFailure('redirect', `more than ${MAX_REDIRECTS} redirects`, false)
      return await attemptDownload(new URL(location, url), dest, where, options, redirects + 1)
    }
    if (status < 200 || status >= 300) {
      response.resume()
      const text = `HTTP ${status} ${response.statusMessage ?? http.STATUS_CODES[status] ?? ''}`.trim()
      const retryable = status === 429 || status >= 500
      throw new AttemptFailure('status', text, retryable, {status, retryAfterMs: retryAfterMs(response.headers['retry-after'])})
    }
    const total = Number(response.headers['content-length']) || undefined
    const bytes = await saveBody(response, dest, where, total, options.reporter).catch(fail)
    if (total !== undefined && bytes !== total) {
      throw new AttemptFailure('network', `the connection closed after ${bytes} of ${total} bytes`, true)
    }
    return {contentType: response.headers['content-type'], bytes, url}
  } finally {
    request.destroy()
  }
}

function classify(error: unknown, timedOut: boolean, options: HttpDownloadOptions): unknown {
  if (error instanceof AttemptFailure) return error
  if (options.signal?.aborted) return options.signal.reason ?? error
  if (timedOut) return new AttemptFailure('timeout', `no response for ${options.timeoutMs} ms (ingest.timeout_ms)`, true, {cause: error})
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const message = (error as Error).message
  if (code === 'ENOTFOUND') return new AttemptFailure('network', `host not found (${message})`, false, {cause: error})
  if (RETRYABLE_CODES.has(code) || message === 'aborted' || message === 'socket hang up') {
    return new AttemptFailure('network', `${code || 'network error'}: ${message}`, true, {cause: error})
  }
  return error
}

function authHint(where: string, env: NodeJS.ProcessEnv): string {
  const host = new URL(where).hostname
  if (netrcAuthorization(new URL(where), env)) return `the server refused the credentials for ${host} in ${netrcFile(env)}`
  return `the server wants credentials: put "machine ${host} login USER password SECRET" in ${netrcFile(env)} (or a file named by NETRC); never in the URL, which params, dvc.lock and logs would keep`
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
