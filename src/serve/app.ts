import Fastify, {type FastifyInstance, type FastifyServerOptions} from 'fastify'
import {AccessLogController} from './access-log.js'
import {installCors, parseCorsOrigins} from './cors.js'
import {clientErrorHandler, formatValidationError, frameworkErrorHandler, installErrorHandling} from './http-errors.js'
import {ServeMetrics, UNMATCHED_ROUTE} from './metrics.js'
import type {ModelHolder} from './model-holder.js'
import {Page} from './page.js'
import {registerInvocationRoutes} from './routes/invocations.js'
import {registerPageRoutes} from './routes/page.js'
import {registerPredictRoutes} from './routes/predict.js'
import {registerProbeRoutes} from './routes/probes.js'
import type {Limits} from './schemas.js'
import {leanValidatorCompiler} from './validation.js'

export interface Timeouts {
  /** Whole request (headers and body) must arrive within this (408 after). */
  requestMs: number
  /** Headers must arrive within this (slowloris guard). */
  headersMs: number
  /** An idle keep-alive connection is closed after this; above the 60 s idle timeout of common load balancers. */
  keepAliveMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = {requestMs: 30_000, headersMs: 10_000, keepAliveMs: 72_000}

export interface AppOptions {
  holder: ModelHolder
  limits: Limits & {bodyLimit: number}
  /** serve.cors_origin: '' (off), '*' or comma-separated origins. */
  corsOrigin?: string
  metrics?: ServeMetrics
  /** Fastify logger option (pino options or false); default off, as in tests. */
  logger?: FastifyServerOptions['logger']
  timeouts?: Partial<Timeouts>
  page?: Page
}

/** What every route module gets. */
export interface RouteContext {
  holder: ModelHolder
  metrics: ServeMetrics
  limits: Limits
  page: Page
}

/**
 * Builds the Fastify app of `sentiops serve` from an injected model holder, without listening: routes with
 * their schemas, metrics, error handling. `server.ts` listens and handles signals; tests use `app.inject()`.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const timeouts = {...DEFAULT_TIMEOUTS, ...options.timeouts}
  const cors = parseCorsOrigins(options.corsOrigin ?? '')
  const metrics = options.metrics ?? new ServeMetrics()
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new AccessLogController(),
    bodyLimit: options.limits.bodyLimit,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1000, timeouts.headersMs)},
    // Draining is handled in server.ts: requests during close are answered (with Connection: close), not 503.
    return503OnClosing: false,
    forceCloseConnections: false,
    schemaErrorFormatter: formatValidationError,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  })

  app.setValidatorCompiler(leanValidatorCompiler())

  // JSON only (plus the per-route form and CSV parsers): a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain')

  const context: RouteContext = {
    holder: options.holder,
    metrics,
    limits: {maxTextLength: options.limits.maxTextLength, maxBatch: options.limits.maxBatch},
    page: options.page ?? new Page(),
  }

  const model = options.holder.model
  if (model) {
    metrics.setModel(model)
    metrics.drift?.follow(model, app.log)
  }
  const unsubscribe = options.holder.subscribe({
    loaded: loaded => {
      metrics.setModel(loaded)
      metrics.drift?.follow(loaded, app.log)
      metrics.countModelLoad('success')
    },
    failed: () => metrics.countModelLoad('failure'),
  })
  app.addHook('onClose', async () => unsubscribe())

  // Once the holder closes (shutdown), every answer asks the client to close its keep-alive connection,
  // including requests that were already in flight.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (options.holder.closing) reply.header('connection', 'close')
    done(null, payload)
  })

  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  installErrorHandling(app, {bodyLimit: options.limits.bodyLimit})
  if (cors !== undefined) installCors(app, cors)

  registerPredictRoutes(app, context)
  await app.register(async scope => registerInvocationRoutes(scope, context))
  registerProbeRoutes(app, context)
  registerPageRoutes(app, context)
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render()
    return reply.type(metrics.contentType).send(text)
  })
  return app
}
