import type {Prediction} from '../bundle/index.js'

/** One output line of `sentiops predict`: the prediction, plus the input's id when it had one. */
export type PredictionRecord = Prediction & {id?: string}

export function toRecord(prediction: Prediction, id?: string): PredictionRecord {
  return id === undefined ? prediction : {id, ...prediction}
}

/** The JSON lines of one batch; `ids[i]` (when set) leads line i. */
export function formatPredictions(predictions: readonly Prediction[], ids?: ReadonlyArray<string | undefined>): string {
  let chunk = ''
  for (let i = 0; i < predictions.length; i++) chunk += JSON.stringify(toRecord(predictions[i]!, ids?.[i])) + '\n'
  return chunk
}

/** A batch sent to a worker thread. */
export interface PredictBatch {
  seq: number
  texts: string[]
  ids?: Array<string | undefined>
}

/** What a worker thread posts back: ready, a batch's lines, or an error (of loading, or of one batch). */
export type WorkerReply = {ready: true} | {seq: number; lines: string} | {seq?: number; error: string}
