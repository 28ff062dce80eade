import {STATUS_CODES} from 'node:http'
import type {Socket} from 'node:net'
import type {FastifyError, FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'

/** A client-facing error with its status: the message is sent as is, so it must not contain secrets. */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export interface ErrorBody {
  error: string
  message: string
}

/** Every error answer has this shape: `error` is the status' reason phrase, `message` one readable line. */
export function errorBody(statusCode: number, message: string): ErrorBody {
  return {error: STATUS_CODES[statusCode] ?? 'Error', message}
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** `/texts/3` under `body` → `body.texts[3]`. */
function dataPath(dataVar: string, instancePath: string): string {
  let out = dataVar
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    out += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`
  }
  return out
}

/** Fastify's schemaErrorFormatter: the first violation as one line that names the field and the limit. */
export function formatValidationError(errors: AjvError[], dataVar: string): Error {
  const e = errors[0]
  if (e === undefined) return new Error(`${dataVar} is invalid`)
  const where = dataPath(dataVar, e.instancePath)
  const p = e.params
  switch (e.keyword) {
    case 'required':
      return new Error(`${dataPath(dataVar, `${e.instancePath}/${String(p.missingProperty)}`)} is required`)
    case 'type':
      return new Error(`${where} must be ${p.type === 'integer' || p.type === 'array' || p.type === 'object' ? `an ${p.type}` : `a ${String(p.type)}`}`)
    case 'maxLength':
      return new Error(`${where} is longer than the limit of ${String(p.limit)} characters`)
    case 'maxItems':
      return new Error(`${where} has more than the limit of ${String(p.limit)} items`)
    case 'minItems':
      return new Error(`${where} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`)
    default:
      return new Error(`${where} ${e.message ?? 'is invalid'}`)
  }
}

/** Messages for the errors Fastify raises itself, phrased for the client. */
function frameworkMessage(error: FastifyError, request: FastifyRequest, bodyLimit: number): string | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit of ${bodyLimit} bytes`
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type']
      const accepts = (request.routeOptions.config as {accepts?: string} | undefined)?.accepts ?? 'application/json'
      return `${type ? `Content-Type ${JSON.stringify(type)}` : 'a request body without Content-Type'} is not supported by ${request.method} ${request.routeOptions.url}; send ${accepts}`
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty; send a JSON object'
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'request body is not valid JSON'
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'request body size does not match Content-Length'
    default:
      return undefined
  }
}

export interface ErrorHandlingOptions {
  bodyLimit: number
}

/**
 * Installs the error, not-found (404 / 405 with Allow) handlers. Client mistakes get their status and a
 * readable message; anything else is logged with its stack and answered 500 without details.
 */
export function installErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).headers(error.headers).send(errorBody(error.statusCode, error.message))
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const message = frameworkMessage(error, request, options.bodyLimit) ?? error.message
      return reply.code(status).send(errorBody(status, message))
    }
    request.log.error({err: error, method: request.method, route: request.routeOptions.url}, 'request failed')
    const code = status >= 500 && status < 600 ? status : 500
    return reply.code(code).send(errorBody(code, 'the server failed to answer this request; the error is in its log'))
  })

  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?', 1)[0] ?? '/'
    const allowed = allowedMethods(app, pathname)
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(errorBody(405, `${request.method} is not allowed on ${pathname}; use ${allowed.join(' or ')}`))
    }
    return reply.code(404).send(errorBody(404, `no route for ${request.method} ${truncate(pathname, 200)}`))
  })
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

function allowedMethods(app: FastifyInstance, pathname: string): string[] {
  return METHODS.filter(method => app.findRoute({method, url: pathname}) !== null)
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`
}

/** For Fastify's `frameworkErrors` option: malformed URLs and the like become JSON 400s too. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400
  reply.code(status).send(errorBody(status, error.code === 'FST_ERR_BAD_URL' ? 'the request URL is malformed' : error.message))
}

/**
 * For Fastify's `clientErrorHandler`: bytes Node's HTTP parser rejects (malformed request lines or headers,
 * slow headers) get the same `{error, message}` body, then the connection is closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'the request is not valid HTTP/1.1']
  const body = JSON.stringify(errorBody(status, message))
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}
