import {LogController, type FastifyReply, type FastifyRequest} from 'fastify'

const VERBOSE_LEVELS = new Set(['debug', 'trace'])

/**
 * Fastify's per-request log lines, moved to `debug`: at `info` a line per request would cost more than the
 * prediction. LOG_LEVEL=debug gives one access line per request (method, route, status, time; never the body).
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // A client that goes away mid-response is not a server error.
    if (error) reply.log.warn({...accessFields(request, reply), err: error}, 'response failed')
    else if (VERBOSE_LEVELS.has(reply.log.level)) reply.log.debug(accessFields(request, reply), 'request completed')
  }

  override routeNotFound(): void {}

  /** 4xx are the client's business (counted in metrics); 5xx are logged by the app's error handler. */
  override defaultErrorLog(): void {}
}

function accessFields(request: FastifyRequest, reply: FastifyReply) {
  return {method: request.method, url: request.url, route: request.routeOptions.url, status_code: reply.statusCode, response_ms: reply.elapsedTime}
}
