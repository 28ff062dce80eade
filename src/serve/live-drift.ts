import type {Registry} from 'prom-client'
import type {Prediction, TextSignals} from '../core/bundle/types.js'
import {SIGNAL_NAMES} from '../core/monitor/profile.js'
import {DriftWindow} from './drift-window.js'
import {ComputedGauge} from './fast-metrics.js'
import type {HolderLog, ServingModel} from './model-holder.js'

export interface LiveDriftOptions {
  /** monitor.window: texts kept (> 0; 0 means no LiveDrift at all). */
  window: number
  /** monitor.min_samples: fewer texts in the window and PSI and shares are not exported. */
  minSamples: number
}

/**
 * serve's live drift: a DriftWindow over the texts the serving model classified, exported as Prometheus
 * gauges computed at scrape time. A new model starts a new window against its own profile; a model whose
 * bundle has no profile turns live drift off (one log line) until a model with one is loaded.
 */
export class LiveDrift {
  private model?: ServingModel
  private window?: DriftWindow

  constructor(
    registry: Registry,
    readonly options: LiveDriftOptions,
  ) {
    const registers = [registry]
    /** The window once it holds min_samples texts: below, drift is not judged and its series are absent. */
    const judged = () => (this.window !== undefined && this.window.texts >= options.minSamples ? this.window : undefined)
    new ComputedGauge({name: 'sentiops_drift_window_texts', help: 'Texts in the live drift window (classified by the serving model, up to monitor.window).', labelNames: [], registers}, () => [
      {labels: {}, value: this.window?.texts ?? 0},
    ])
    new ComputedGauge(
      {name: 'sentiops_drift_psi', help: 'Population stability index of the window against the training profile, by signal (absent below monitor.min_samples texts).', labelNames: ['signal'], registers},
      () => {
        const window = judged()
        return window ? SIGNAL_NAMES.map(signal => ({labels: {signal}, value: window.psi(signal)})) : []
      },
    )
    new ComputedGauge({name: 'sentiops_drift_oov_share', help: 'Share of the words of the window in no vocabulary term (absent below monitor.min_samples texts).', labelNames: [], registers}, () => {
      const window = judged()
      return window ? [{labels: {}, value: window.oovShare()}] : []
    })
    new ComputedGauge({name: 'sentiops_drift_class_share', help: 'Share of the window predicted as each class (absent below monitor.min_samples texts).', labelNames: ['class'], registers}, () => {
      const window = judged()
      return window ? Object.entries(window.classShares()).map(([name, value]) => ({labels: {class: name}, value})) : []
    })
    new ComputedGauge({name: 'sentiops_drift_reference_oov_share', help: 'Share of out-of-vocabulary words on the test split (the training profile of the serving model).', labelNames: [], registers}, () =>
      this.window ? [{labels: {}, value: this.window.profile.oovShare}] : [],
    )
    new ComputedGauge({name: 'sentiops_drift_reference_class_share', help: 'Share of the test split predicted as each class (the training profile of the serving model).', labelNames: ['class'], registers}, () => {
      const window = this.window
      return window ? window.classNames.map(name => ({labels: {class: name}, value: window.profile.classMix[name] ?? 0})) : []
    })
  }

  /** The window of `model` when it feeds one: requests answered by an older model after a swap do not. */
  windowOf(model: ServingModel): DriftWindow | undefined {
    return model === this.model ? this.window : undefined
  }

  /** A model was loaded: an empty window against its profile, or none when its bundle has no profile. */
  follow(model: ServingModel, log: Pick<HolderLog, 'warn'>): void {
    const profile = model.bundle.meta.profile
    this.model = model
    if (profile?.signals === undefined) {
      this.window = undefined
      log.warn({model_name: model.name, model_version: model.version}, 'live drift off: the model bundle has no training profile (retrain it with this sentiops version)')
      return
    }
    this.window = new DriftWindow(profile, model.bundle.meta.classNames, this.options.window)
  }
}

/** Adds what one prediction call classified to the window (the caller checked it belongs to this model). */
export function addToWindow(window: DriftWindow, texts: readonly string[], signals: TextSignals, predictions: readonly Prediction[]): void {
  for (let i = 0; i < texts.length; i++) window.add(texts[i]!, signals.tokens[i]!, signals.unknown[i]!, predictions[i]!)
}
