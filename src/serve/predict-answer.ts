import type {Prediction} from '../core/bundle/types.js'
import {HttpError} from './http-errors.js'
import type {ServeMetrics} from './metrics.js'
import type {ModelHolder} from './model-holder.js'
import {classify, identityOf, type ResponseIdentity, servingModel} from './routes/model-access.js'
import type {PredictBody} from './schemas.js'

/** The 200 body of POST /predict: one text → the prediction's fields at the top level; `texts` → `predictions`. */
export type PredictAnswer =
  | {label: string; score: number; probabilities: Record<string, number>; model: ResponseIdentity}
  | {predictions: Prediction[]; model: ResponseIdentity}

/**
 * Answers a schema-valid JSON body of POST /predict: the one code path of the Fastify route and of the
 * server's fast path, so both give the same answers and the same errors (HttpError).
 */
export function answerPredict(holder: ModelHolder, metrics: ServeMetrics, body: PredictBody): PredictAnswer {
  const {text, texts} = body
  if ((text === undefined) === (texts === undefined)) {
    throw new HttpError(400, text === undefined ? 'body needs "text" (a string) or "texts" (a list of strings)' : 'send either "text" or "texts", not both')
  }
  const model = servingModel(holder)
  if (text !== undefined) {
    const p = classify(metrics, model, [text])[0]!
    return {label: p.label, score: p.score, probabilities: p.probabilities, model: identityOf(model)}
  }
  return {predictions: classify(metrics, model, texts!), model: identityOf(model)}
}
