import type {Prediction} from '../../core/bundle/types.js'
import {HttpError} from '../http-errors.js'
import {addToWindow} from '../live-drift.js'
import type {ServeMetrics} from '../metrics.js'
import type {ModelHolder, ServingModel} from '../model-holder.js'

export interface ResponseIdentity {
  name: string
  version: string
  alias?: string
}

const identities = new WeakMap<ServingModel, ResponseIdentity>()

/** The model that answers this request; 503 until one is loaded. Read once per request (a swap may follow). */
export function servingModel(holder: ModelHolder): ServingModel {
  const model = holder.model
  if (model === undefined) throw new HttpError(503, 'no model is loaded yet; retry shortly', {'retry-after': '1'})
  return model
}

/** The `model` field of responses, built once per loaded model. */
export function identityOf(model: ServingModel): ResponseIdentity {
  let identity = identities.get(model)
  if (identity === undefined) {
    identity = model.alias ? {name: model.name, version: model.version, alias: model.alias} : {name: model.name, version: model.version}
    identities.set(model, identity)
  }
  return identity
}

/**
 * Classifies texts with one model and counts them: the one prediction path of /predict and /invocations.
 * With live drift on, the same pass also yields the word counts the drift window takes.
 */
export function classify(metrics: ServeMetrics, model: ServingModel, texts: readonly string[]): Prediction[] {
  const window = metrics.drift?.windowOf(model)
  let predictions: Prediction[]
  if (window === undefined) predictions = model.bundle.predict(texts)
  else {
    const result = model.bundle.predictWithSignals(texts)
    predictions = result.predictions
    addToWindow(window, texts, result.signals, predictions)
  }
  for (let i = 0; i < texts.length; i++) {
    metrics.observeTextLength(texts[i]!.length)
    metrics.countPrediction(model, predictions[i]!.label)
  }
  return predictions
}
