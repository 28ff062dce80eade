import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import type {ValidateFunction} from 'ajv'
import buildSerializer from 'fast-json-stringify'
import secureJson from 'secure-json-parse'
import {errorBody, formatValidationError, HttpError} from './http-errors.js'
import type {ServeMetrics} from './metrics.js'
import type {HolderLog, ModelHolder} from './model-holder.js'
import {answerPredict} from './predict-answer.js'
import {serveAjv} from './validation.js'
import {type Limits, type PredictBody, predictBodySchema, predictResponseSchema} from './schemas.js'

export interface FastPredictOptions {
  holder: ModelHolder
  metrics: ServeMetrics
  limits: Limits & {bodyLimit: number}
  log: Pick<HolderLog, 'error'>
}

const ROUTE = '/predict'
/** The Content-Types Fastify's JSON parser takes, spelled as clients send them; anything else goes to Fastify. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8'])
const RESPONSE_TYPE = 'application/json; charset=utf-8'
/** As Fastify's JSON parser: a body that would pollute prototypes is rejected, not parsed. */
const PARSE_OPTIONS = {protoAction: 'error', constructorAction: 'error'} as const

/**
 * The hot path of `sentiops serve`: JSON `POST /predict` answered straight from the HTTP server's request
 * event, without Fastify's routing, hooks and reply machinery: ~27 µs of server CPU per request instead of
 * ~42 µs on this machine, where a bare node:http server answering a constant needs ~14 µs (bench/SERVE.md).
 *
 * It takes only requests whose headers show they are plain JSON predictions (exact route, JSON Content-Type,
 * Content-Length within the body limit, a model loaded, not shutting down); every other request, before a
 * byte of its body is read, goes to Fastify. What it takes it answers exactly as the Fastify route would:
 * the same parser, the same schema and error messages, the same `answerPredict`, the same request metrics.
 * test/serve/fast-predict.test.ts sends the same requests to both and compares status, headers and bytes.
 *
 * Not installed with CORS on or per-request access logs (LOG_LEVEL=debug): those stay with Fastify's hooks.
 */
export function installFastPredict(server: Server, options: FastPredictOptions): FastPathStats {
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>
  if (listeners.length !== 1) throw new Error(`fast path: expected Fastify's one request listener, found ${listeners.length}`)
  const fastify = listeners[0]!
  const handle = createFastPredict(options)
  const stats = {taken: 0}
  server.removeListener('request', fastify)
  server.on('request', function (this: Server, req: IncomingMessage, res: ServerResponse) {
    if (handle(req, res)) stats.taken++
    else fastify.call(this, req, res)
  })
  return stats
}

export interface FastPathStats {
  /** Requests the fast path answered (the rest went to Fastify). */
  readonly taken: number
}

/** Returns a handler that answers the requests it takes (true) and leaves the others untouched (false). */
export function createFastPredict(options: FastPredictOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const {holder, metrics, limits, log} = options
  // The serializer Fastify compiles for the route's 200 schema: same bytes, about half JSON.stringify's time.
  const serialize = buildSerializer(predictResponseSchema)
  let validator: ValidateFunction | undefined
  // Compiled on the first body the quick check cannot accept, so cold start does not pay for it.
  const validate = (body: unknown): void => {
    validator ??= serveAjv().compile(predictBodySchema(limits))
    if (!validator(body)) throw new HttpError(400, formatValidationError(validator.errors as Parameters<typeof formatValidationError>[0], 'body').message)
  }

  const respond = (req: IncomingMessage, res: ServerResponse, started: number, raw: string) => {
    let status = 200
    let payload: string
    let headers: Record<string, string> | undefined
    try {
      let body: unknown
      try {
        body = secureJson.parse(raw, undefined, PARSE_OPTIONS)
      } catch {
        // As Fastify after any body parser error: the client may still be sending, so the connection closes.
        throw new HttpError(400, 'request body is not valid JSON', {connection: 'close'})
      }
      if (!isValidQuickly(body, limits)) validate(body)
      payload = serialize(answerPredict(holder, metrics, body as PredictBody))
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.statusCode
        headers = error.headers
        payload = JSON.stringify(errorBody(status, error.message))
      } else {
        log.error({err: error, method: req.method, route: ROUTE}, 'request failed')
        status = 500
        payload = JSON.stringify(errorBody(500, 'the server failed to answer this request; the error is in its log'))
      }
    }
    const length = String(Buffer.byteLength(payload))
    if (headers === undefined && !holder.closing) {
      // The common answer, as a literal of one fixed shape (a spread or added keys cost a slow path per request).
      res.writeHead(status, {'content-type': RESPONSE_TYPE, 'content-length': length})
    } else {
      // Header order as Fastify writes them: the error's, the type, the shutdown's `connection: close`, the length.
      const head: Record<string, string> = {...headers, 'content-type': RESPONSE_TYPE}
      if (holder.closing) head.connection = 'close'
      head['content-length'] = length
      res.writeHead(status, head)
    }
    res.end(payload)
    metrics.observeRequest('POST', ROUTE, status, (performance.now() - started) / 1000)
  }

  return (req, res) => {
    if (req.method !== 'POST' || req.url !== ROUTE) return false
    const type = req.headers['content-type']
    if (type === undefined || !JSON_TYPES.has(type)) return false
    const length = req.headers['content-length']
    if (length === undefined || req.headers['transfer-encoding'] !== undefined) return false
    const bytes = Number(length)
    if (!(bytes > 0 && bytes <= limits.bodyLimit)) return false
    if (holder.model === undefined || holder.closing) return false

    const started = performance.now()
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => respond(req, res, started, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')))
    // A client that goes away mid-body: nothing to answer, and the error must not become an uncaught one.
    req.on('error', () => {})
    return true
  }
}

/**
 * A cheap check that accepts only bodies the schema accepts (a JSON object with a short-enough string `text`
 * and/or a non-empty list of short-enough strings `texts`). Anything it refuses goes through Ajv, which
 * gives the message or accepts it (e.g. `maxLength` counts code points, this counts UTF-16 units).
 */
function isValidQuickly(body: unknown, limits: Limits): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const {text, texts} = body as {text?: unknown; texts?: unknown}
  if (text !== undefined && (typeof text !== 'string' || text.length > limits.maxTextLength)) return false
  if (texts === undefined) return true
  if (!Array.isArray(texts) || texts.length < 1 || texts.length > limits.maxBatch) return false
  for (const t of texts) if (typeof t !== 'string' || t.length > limits.maxTextLength) return false
  return true
}
