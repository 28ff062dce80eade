import type {Server} from 'node:http'
import type {Socket} from 'node:net'
import type {FastifyInstance} from 'fastify'
import type {MonitorParams, ServeParams} from '../core/config/params.js'
import {ConfigError, UserError} from '../core/errors.js'
import {buildApp, type Timeouts} from './app.js'
import {type FastPathStats, installFastPredict} from './fast-predict.js'
import {ServeMetrics} from './metrics.js'
import {ModelHolder, type HolderLog, type ServingModel} from './model-holder.js'
import type {LoadModel, ResolveModel} from './model-ref.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const VERBOSE_LOG_LEVELS = new Set<string>(['debug', 'trace'])

/** Longest time the drain phase waits for clients to leave before the listener closes. */
export const MAX_DRAIN_MS = 5000
/** The drain phase also ends once no request has started for this long. */
export const DRAIN_QUIET_MS = 500

export interface StartServerOptions {
  /** The resolved `serve` section (params.yaml + flags + env). */
  config: ServeParams
  /** Live drift (params.yaml's monitor section): the window of recent texts, 0 = off (the default here). */
  monitor?: Pick<MonitorParams, 'window' | 'min_samples'>
  resolve: ResolveModel
  load: LoadModel
  /** LOG_LEVEL; default info. Logs are pino JSON lines on stdout. */
  logLevel?: string
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean
  timeouts?: Partial<Timeouts>
  /** Answer JSON POST /predict on the fast path (default true); see fast-predict.ts. */
  fastPath?: boolean
}

export interface ShutdownResult {
  /** What started the shutdown: a signal name, 'shutdown()' or 'model load failed'. */
  reason: string
  /** False when the grace period ended with requests still running (they were cut). */
  clean: boolean
  /** The initial model load failed and --watch was off. */
  error?: Error
  durationMs: number
}

export interface RunningServer {
  app: FastifyInstance
  holder: ModelHolder
  metrics: ServeMetrics
  /** http://host:port as bound (port resolved when 0 was asked). */
  address: string
  port: number
  /** The JSON POST /predict fast path's counters; undefined when it is off (CORS, debug logs, or asked). */
  fastPath?: FastPathStats
  /** Settles when the first model is loaded; rejects when it fails and --watch is off. */
  modelLoaded: Promise<ServingModel>
  /** Drains and closes (idempotent). */
  shutdown(reason?: string): Promise<ShutdownResult>
  /** Settles when the server has closed, whatever started it. */
  closed: Promise<ShutdownResult>
}

/**
 * Starts `sentiops serve`: listens first (liveness answers at once, readiness when the model is in), loads the
 * model, follows the registry with --watch, and on SIGTERM/SIGINT drains:
 *   1. readiness goes false and every response carries `Connection: close`, so keep-alive clients leave;
 *   2. once no connection is left, no request started for DRAIN_QUIET_MS, or MAX_DRAIN_MS passed, the
 *      listener closes and idle connections are closed;
 *   3. in-flight requests finish; when serve.grace_period_ms runs out first, the rest are cut.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const {config} = options
  const logLevel = checkLogLevel(options.logLevel ?? 'info')
  let log: HolderLog | undefined
  const holder = new ModelHolder({uri: config.model, resolve: options.resolve, load: options.load, log: forwardingLog(() => log)})
  const metrics = new ServeMetrics({drift: options.monitor && {window: options.monitor.window, minSamples: options.monitor.min_samples}})
  const limits = {bodyLimit: config.body_limit, maxTextLength: config.max_text_length, maxBatch: config.max_batch}
  const app = await buildApp({
    holder,
    metrics,
    limits,
    corsOrigin: config.cors_origin,
    logger: {level: logLevel, name: 'sentiops-serve'},
    timeouts: options.timeouts,
  })
  log = app.log
  await app.ready()
  // CORS headers and per-request access lines come from Fastify hooks: with either on, every request takes Fastify.
  const fastPath = config.cors_origin === '' && !VERBOSE_LOG_LEVELS.has(logLevel) && options.fastPath !== false ? installFastPredict(app.server, {holder, metrics, limits, log: app.log}) : undefined

  const connections = trackConnections(app.server)
  let port: number
  try {
    port = await listen(app.server, config.host, config.port)
  } catch (error) {
    await app.close()
    throw error
  }
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  app.log.info({address, host: config.host, port, model: config.model, watch_interval_s: config.watch_interval || undefined, drift_window: metrics.drift?.options.window ?? 0}, `sentiops serve listening at ${address}`)

  let shutdownPromise: Promise<ShutdownResult> | undefined
  let resolveClosed!: (result: ShutdownResult) => void
  const closed = new Promise<ShutdownResult>(resolve => (resolveClosed = resolve))
  const signalHandlers: Array<[NodeJS.Signals, () => void]> = []

  const shutdown = (reason = 'shutdown()', error?: Error): Promise<ShutdownResult> => {
    shutdownPromise ??= drainAndClose({app, holder, connections, graceMs: config.grace_period_ms, reason}).then(result => {
      for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler)
      const final = {...result, ...(error ? {error} : {})}
      app.log.info({reason, clean: final.clean, duration_ms: final.durationMs}, 'sentiops serve stopped')
      resolveClosed(final)
      return final
    })
    return shutdownPromise
  }

  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const handler = () => {
        if (shutdownPromise === undefined) {
          void shutdown(signal)
          return
        }
        // A second signal: stop waiting for slow requests.
        app.log.warn({signal}, 'second signal: closing all connections now')
        app.server.closeAllConnections()
      }
      process.on(signal, handler)
      signalHandlers.push([signal, handler])
    }
  }

  const modelLoaded = holder.load().then(
    model => {
      app.log.info({since_process_start_ms: Math.round(process.uptime() * 1000)}, 'ready')
      if (config.watch_interval > 0) holder.watch(config.watch_interval * 1000)
      return model
    },
    (error: Error) => {
      if (config.watch_interval > 0) {
        // The URI may not point anywhere yet (nothing promoted): keep polling, stay unready.
        holder.watch(config.watch_interval * 1000)
        return new Promise<ServingModel>(resolve => {
          const unsubscribe = holder.subscribe({loaded: model => (unsubscribe(), resolve(model))})
        })
      }
      void shutdown('model load failed', error)
      throw error
    },
  )
  // The rejection is reported through `closed`; callers that await modelLoaded see it too.
  modelLoaded.catch(() => {})

  return {app, holder, metrics, address, port, fastPath, modelLoaded, shutdown: reason => shutdown(reason), closed}
}

interface ConnectionTracker {
  readonly open: number
  /** performance.now() of the last request that started. */
  readonly lastRequestAt: number
  /** Starts tracking request arrivals (the app adds `Connection: close` once the holder is closed). */
  startDraining(): void
}

function trackConnections(server: Server): ConnectionTracker {
  const sockets = new Set<Socket>()
  let lastRequestAt = 0
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  return {
    get open() {
      return sockets.size
    },
    get lastRequestAt() {
      return lastRequestAt
    },
    startDraining() {
      lastRequestAt = performance.now()
      // Installed only now, so the hot path pays nothing before a shutdown.
      server.prependListener('request', () => {
        lastRequestAt = performance.now()
      })
    },
  }
}

async function drainAndClose(args: {app: FastifyInstance; holder: ModelHolder; connections: ConnectionTracker; graceMs: number; reason: string}): Promise<Omit<ShutdownResult, 'error'>> {
  const {app, holder, connections, graceMs, reason} = args
  const started = performance.now()
  const deadline = started + graceMs
  app.log.info({reason, open_connections: connections.open, grace_period_ms: graceMs}, 'shutting down: readiness is false, draining connections')
  connections.startDraining()
  await holder.close()

  const drainUntil = started + Math.min(MAX_DRAIN_MS, graceMs)
  while (connections.open > 0 && performance.now() < drainUntil && performance.now() - connections.lastRequestAt < DRAIN_QUIET_MS) {
    await sleep(20)
  }

  // Stops listening, closes idle connections, waits for in-flight requests (Fastify answers them with
  // Connection: close), then runs onClose hooks.
  const closing = app.close()
  let graceTimer: NodeJS.Timeout | undefined
  const graceOver = new Promise<boolean>(resolve => (graceTimer = setTimeout(resolve, Math.max(0, deadline - performance.now()), true)))
  const timedOut = await Promise.race([closing.then(() => false), graceOver])
  clearTimeout(graceTimer)
  if (timedOut) {
    app.log.warn({open_connections: connections.open}, 'grace period over: closing the connections still open')
    app.server.closeAllConnections()
    await closing
  }
  return {reason, clean: !timedOut, durationMs: Math.round(performance.now() - started)}
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.removeListener('listening', onListening)
      const where = `${host}:${port}`
      if (error.code === 'EADDRINUSE') reject(new UserError(`cannot listen on ${where}: the port is in use`, {suggestions: ['pick another with --port or PORT, or stop what is using it']}))
      else if (error.code === 'EACCES') reject(new UserError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`))
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new UserError(`cannot listen on ${where}: no such local address`, {suggestions: ['use --host 0.0.0.0 (all interfaces) or 127.0.0.1']}))
      else reject(error)
    }
    const onListening = () => {
      server.removeListener('error', onError)
      const bound = server.address()
      resolve(typeof bound === 'object' && bound !== null ? bound.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({host, port})
  })
}

function checkLogLevel(level: string): string {
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level
  throw new ConfigError(`LOG_LEVEL=${level} is not a log level; use one of ${LOG_LEVELS.join(', ')}`)
}

/** The holder is built before the app whose logger it uses: forward to it once it exists. */
function forwardingLog(target: () => HolderLog | undefined): HolderLog {
  return {
    info: (obj, msg) => target()?.info(obj, msg),
    warn: (obj, msg) => target()?.warn(obj, msg),
    error: (obj, msg) => target()?.error(obj, msg),
    debug: (obj, msg) => target()?.debug(obj, msg),
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
