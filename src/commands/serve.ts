import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {overridesFrom, setFlag, modelFlag} from '../cli/flags.js'
import {UsageError} from '../core/errors.js'

/** A bare `--watch` (no seconds after it) polls at serve.watch_interval, or this when that is 0. */
export const DEFAULT_WATCH_SECONDS = 30
const BARE_WATCH = 'default'

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Serve a model over HTTP: predict, explain, a web page, health probes and Prometheus metrics.'
  static override description = `Starts a Fastify server on serve.host:serve.port for the bundle or registered model in --model.
Routes: POST /predict ({"text"} or {"texts"}), POST /explain, GET / (web page), POST /invocations (MLflow
scoring protocol), GET /ping, /health, /version, /v2/health/live, /v2/health/ready, /v2/models/{name},
GET /metrics (Prometheus).

Logs are JSON lines on stdout (pino) at LOG_LEVEL (default info); the first says where it listens. Liveness is
up at once, readiness once the model is loaded. With --watch the server polls the registry (or the bundle
directory) and swaps in a newly promoted version without dropping a request; a version that fails to load is
logged and counted (sentiops_model_loads_total{result="failure"}) while the old one keeps serving.
On SIGTERM or SIGINT, readiness goes false, clients are asked to close their connections, in-flight requests
finish, and the process exits within serve.grace_period_ms (a second signal cuts the wait short).

Live drift: the server keeps the last monitor.window texts it classified (--drift-window, 0 = off) and
exports, once monitor.min_samples are in, sentiops_drift_psi{signal} (text_length, token_count, oov_rate,
score: PSI against the bundle's training profile), sentiops_drift_oov_share and sentiops_drift_class_share,
beside their reference values; a model swap starts a new window. A bundle without a profile serves without it.

Settings: flags, then the environment (PORT, HOST, SENTIOPS_MODEL, SENTIOPS_DRIFT_WINDOW), then params.yaml's
serve and monitor sections (also serve.body_limit, max_text_length, max_batch, grace_period_ms, cors_origin,
monitor.min_samples through --set).

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --model models/model --port 8080',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --watch 30',
    'PORT=9000 LOG_LEVEL=debug <%= config.bin %> <%= command.id %> --set serve.cors_origin=https://app.example.com',
    '<%= config.bin %> <%= command.id %> --model models/model --drift-window 5000 --set monitor.min_samples=500',
  ]
  // stdout carries the JSON log stream; a --json envelope would come only after shutdown.
  static override enableJsonFlag = false
  static override flags = {
    model: modelFlag('serve.model'),
    port: Flags.integer({description: 'TCP port, 0 for any free one (serve.port)', env: 'PORT', min: 0, max: 65_535}),
    host: Flags.string({description: 'address to bind, e.g. 127.0.0.1 or 0.0.0.0 (serve.host)', env: 'HOST'}),
    watch: Flags.string({
      description: `poll the model URI every N seconds and hot-swap new versions; a bare --watch uses serve.watch_interval or ${DEFAULT_WATCH_SECONDS}`,
      helpValue: '[seconds]',
    }),
    'drift-window': Flags.integer({description: 'texts kept for the live drift metrics, 0 turns them off (monitor.window)', env: 'SENTIOPS_DRIFT_WINDOW', min: 0}),
    set: setFlag,
  }

  public override async init(): Promise<void> {
    this.argv = withOptionalValue(this.argv, '--watch', BARE_WATCH)
    await super.init()
  }

  async run() {
    const overrides = overridesFrom({'serve.model': this.flags.model, 'serve.port': this.flags.port, 'serve.host': this.flags.host, 'monitor.window': this.flags['drift-window']})
    const {params} = await this.loadParams([...this.flags.set, ...overrides])
    const config = {...params.serve, watch_interval: watchSeconds(this.flags.watch, params.serve.watch_interval)}

    const [{startServer}, {resolveModelSource}, {loadBundle}] = await Promise.all([
      import('../serve/server.js'),
      import('../core/model-source.js'),
      import('../core/bundle/index.js'),
    ])
    const cwd = process.cwd()
    const server = await startServer({
      config,
      monitor: params.monitor,
      resolve: uri => resolveModelSource(uri, {cwd, reporter: this.reporter}),
      load: loadBundle,
      logLevel: process.env.LOG_LEVEL || 'info',
    })
    const result = await server.closed
    if (result.error) throw result.error
    return {address: server.address, reason: result.reason, clean: result.clean, durationMs: result.durationMs}
  }
}

/** `--watch` followed by nothing or by another flag gets `value`, so the flag's seconds are optional. */
export function withOptionalValue(argv: string[], flag: string, value: string): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    out.push(arg)
    if (arg === '--') {
      out.push(...argv.slice(i + 1))
      break
    }
    if (arg === flag) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-')) out.push(value)
    }
  }
  return out
}

/** Seconds between registry polls: off without --watch (unless params set it), else the flag's value. */
export function watchSeconds(flag: string | undefined, fromParams: number): number {
  if (flag === undefined) return fromParams
  if (flag === BARE_WATCH) return fromParams > 0 ? fromParams : DEFAULT_WATCH_SECONDS
  const seconds = Number(flag)
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--watch ${flag}: expected a number of seconds (e.g. --watch 30), or no value`)
  return seconds
}
