import {Counter, Gauge, Histogram, type Registry} from 'prom-client'

/**
 * prom-client metrics for the per-request hot path. prom-client hashes and validates the label set on every
 * `inc`/`observe` (about 0.5 µs each, three times per prediction); here the caller resolves a series once
 * (`series(...labelValues)`) and keeps it, and an observation is a few arithmetic operations. The classes
 * extend prom-client's, so the registry renders them like any other metric.
 */

interface MetricConfig<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
  registers: Registry[]
}

type Labels = Record<string, string | number>

export class CounterSeries {
  value = 0
  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by
  }
}

export class HistogramSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is (bounds[last], +Inf). */
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe(value: number): void {
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    this.counts[i]!++
    this.sum += value
    this.count++
  }
}

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  if (values.length !== names.length) throw new Error(`expected ${names.length} label values (${names.join(', ')}), got ${values.length}`)
  const labels: Labels = {}
  names.forEach((name, i) => (labels[name] = values[i]!))
  return labels
}

export class FastCounter<L extends string> extends Counter<L> {
  private seriesByKey?: Map<string, CounterSeries>
  private readonly config: MetricConfig<L>

  constructor(config: MetricConfig<L>) {
    super({...config, labelNames: [...config.labelNames]})
    this.config = config
  }

  /** The series of these label values (in labelNames order), created at first use. */
  series(...values: string[]): CounterSeries {
    this.seriesByKey ??= new Map()
    const key = values.join('\u0000')
    let s = this.seriesByKey.get(key)
    if (s === undefined) {
      s = new CounterSeries(labelsOf(this.config.labelNames, values))
      this.seriesByKey.set(key, s)
    }
    return s
  }

  override async get(): ReturnType<Counter<L>['get']> {
    const values = [...(this.seriesByKey?.values() ?? [])].map(s => ({labels: s.labels, value: s.value}))
    return exported(this.config, 'counter', values)
  }

  override reset(): void {
    this.seriesByKey?.clear()
  }
}

export class FastHistogram<L extends string> extends Histogram<L> {
  private seriesByKey?: Map<string, HistogramSeries>
  private readonly config: MetricConfig<L>
  private readonly bounds: readonly number[]

  constructor(config: MetricConfig<L> & {buckets: number[]}) {
    super({...config, labelNames: [...config.labelNames]})
    this.config = config
    this.bounds = [...config.buckets].sort((a, b) => a - b)
  }

  series(...values: string[]): HistogramSeries {
    this.seriesByKey ??= new Map()
    const key = values.join('\u0000')
    let s = this.seriesByKey.get(key)
    if (s === undefined) {
      s = new HistogramSeries(labelsOf(this.config.labelNames, values), this.bounds)
      this.seriesByKey.set(key, s)
    }
    return s
  }

  override async get(): ReturnType<Histogram<L>['get']> {
    const {name} = this.config
    const values: Array<{labels: Labels; value: number; metricName: string}> = []
    for (const s of this.seriesByKey?.values() ?? []) {
      let cumulative = 0
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!
        values.push({labels: {...s.labels, le}, value: cumulative, metricName: `${name}_bucket`})
      })
      values.push({labels: {...s.labels, le: '+Inf'}, value: s.count, metricName: `${name}_bucket`})
      values.push({labels: s.labels, value: s.sum, metricName: `${name}_sum`})
      values.push({labels: s.labels, value: s.count, metricName: `${name}_count`})
    }
    return exported(this.config, 'histogram', values)
  }

  /** prom-client's registry prefers this to get() for histograms. */
  getForPromString(): ReturnType<Histogram<L>['get']> {
    return this.get()
  }

  override reset(): void {
    this.seriesByKey?.clear()
  }
}

/** A sample of a ComputedGauge. */
export interface GaugeSample {
  labels: Labels
  value: number
}

/**
 * A gauge whose samples are computed when the registry renders (a scrape), by `samples()`: nothing is stored,
 * and a series is absent, not 0, when `samples()` leaves it out (prom-client renders a reset unlabelled gauge as 0).
 */
export class ComputedGauge<L extends string> extends Gauge<L> {
  private readonly config: MetricConfig<L>

  constructor(
    config: MetricConfig<L>,
    private readonly samples: () => GaugeSample[],
  ) {
    super({...config, labelNames: [...config.labelNames]})
    this.config = config
  }

  override async get(): ReturnType<Gauge<L>['get']> {
    return exported(this.config, 'gauge', this.samples())
  }
}

/**
 * The object a registry renders. prom-client's typings declare `type` as a numeric enum while its runtime
 * (and its own metrics) use the strings 'counter', 'gauge' and 'histogram': hence the cast.
 */
function exported<T>(config: MetricConfig<string>, type: 'counter' | 'gauge' | 'histogram', values: Array<{labels: Labels; value: number; metricName?: string}>): T {
  return {name: config.name, help: config.help, type, aggregator: 'sum', values} as unknown as T
}
