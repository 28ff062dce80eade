import {Counter, Gauge, Registry, collectDefaultMetrics} from 'prom-client'
import {FastCounter, FastHistogram, type CounterSeries, type HistogramSeries} from './fast-metrics.js'
import {LiveDrift, type LiveDriftOptions} from './live-drift.js'

/** Route label of requests no route matched: arbitrary URLs must not become label values. */
export const UNMATCHED_ROUTE = 'unmatched'

/** Request latency buckets (seconds): a prediction takes tens of microseconds, a scrape or a slow client up to 1 s. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
/** Input length buckets (characters), up to the default serve.max_text_length. */
export const TEXT_LENGTH_BUCKETS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000]

/** prom-client default metrics that are gauges with a `_total` suffix. */
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export interface ModelIdentity {
  name: string
  version: string
  alias: string
}

interface RouteSeries {
  duration: HistogramSeries
  byStatus: Map<number, CounterSeries>
}

/**
 * The service's Prometheus metrics, in one registry per app instance (tests stay isolated). The names are a
 * contract with the dashboards and alerts in k8s/monitoring. Series are resolved once per label set and
 * cached; their number is bounded by routes × methods × status codes and by the served versions' classes.
 */
export class ServeMetrics {
  readonly registry = new Registry()
  private readonly requests: FastCounter<'method' | 'route' | 'status_code'>
  private readonly duration: FastHistogram<'method' | 'route'>
  private readonly predictions: FastCounter<'label' | 'model_name' | 'model_version'>
  private readonly textLength: HistogramSeries
  private readonly modelInfo: Gauge<'name' | 'version' | 'alias'>
  private readonly modelLoads: Counter<'result'>
  /** route → method → series; nested maps avoid building a key string per request. */
  private readonly routes = new Map<string, Map<string, RouteSeries>>()
  private predictionSeries = new Map<string, CounterSeries>()
  private predictionsOf?: ModelIdentity
  /** Live drift gauges and window; undefined when monitor.window is 0. */
  readonly drift?: LiveDrift

  constructor(options: {defaultMetrics?: boolean; drift?: LiveDriftOptions} = {}) {
    const registers = [this.registry]
    this.requests = new FastCounter({
      name: 'sentiops_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    })
    this.duration = new FastHistogram({
      name: 'sentiops_http_request_duration_seconds',
      help: 'Time from receiving a request to sending the response, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.predictions = new FastCounter({
      name: 'sentiops_predictions_total',
      help: 'Texts classified, by predicted label and the model version that answered.',
      labelNames: ['label', 'model_name', 'model_version'],
      registers,
    })
    this.modelInfo = new Gauge({
      name: 'sentiops_model_info',
      help: 'The model answering requests (value 1): its registry name, version and alias.',
      labelNames: ['name', 'version', 'alias'] as const,
      registers,
    })
    this.textLength = new FastHistogram({
      name: 'sentiops_input_text_length_chars',
      help: 'Length of the input texts in characters (UTF-16 code units).',
      labelNames: [],
      buckets: TEXT_LENGTH_BUCKETS,
      registers,
    }).series()
    this.modelLoads = new Counter({
      name: 'sentiops_model_loads_total',
      help: 'Attempts to resolve and load a model (at start and by --watch), by result.',
      labelNames: ['result'] as const,
      registers,
    })
    // Both series exist from the start, so rate() and alerts work before the first failure.
    this.modelLoads.inc({result: 'success'}, 0)
    this.modelLoads.inc({result: 'failure'}, 0)
    if (options.drift !== undefined && options.drift.window > 0) this.drift = new LiveDrift(this.registry, options.drift)
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({register: this.registry})
      // Gauges named like counters (promtool rejects the suffix); the per-type gauges without it stay.
      for (const name of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(name)
    }
  }

  get contentType(): string {
    return this.registry.contentType
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.routes.get(route)
    if (byMethod === undefined) {
      byMethod = new Map()
      this.routes.set(route, byMethod)
    }
    let series = byMethod.get(method)
    if (series === undefined) {
      series = {duration: this.duration.series(method, route), byStatus: new Map()}
      byMethod.set(method, series)
    }
    series.duration.observe(seconds)
    let counter = series.byStatus.get(statusCode)
    if (counter === undefined) {
      counter = this.requests.series(method, route, String(statusCode))
      series.byStatus.set(statusCode, counter)
    }
    counter.inc()
  }

  observeTextLength(chars: number): void {
    this.textLength.observe(chars)
  }

  /** One text classified as `label` by `model` (the object the request used, even if a swap followed). */
  countPrediction(model: ModelIdentity, label: string): void {
    if (model !== this.predictionsOf) {
      this.predictionsOf = model
      this.predictionSeries = new Map()
    }
    let counter = this.predictionSeries.get(label)
    if (counter === undefined) {
      counter = this.predictions.series(label, model.name, model.version)
      this.predictionSeries.set(label, counter)
    }
    counter.inc()
  }

  /** The serving model changed: `model_info` shows only the new one. */
  setModel(model: ModelIdentity): void {
    this.modelInfo.reset()
    this.modelInfo.set({name: model.name, version: model.version, alias: model.alias}, 1)
  }

  countModelLoad(result: 'success' | 'failure'): void {
    this.modelLoads.inc({result})
  }
}
