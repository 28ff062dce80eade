/**
 * A preprocess worker thread: cleans the batches of texts it is sent with the one text pipeline
 * (createPreprocessor, built from the params it was started with) and sends the results back in order.
 */
import {parentPort, workerData} from 'node:worker_threads'
import type {PreprocessParams} from '../config/params.js'
import {createPreprocessor} from './preprocess.js'

export interface CleanBatch {
  seq: number
  texts: string[]
}
export type CleanReply = {seq: number; cleaned: string[]} | {seq: number; error: string}

const port = parentPort
if (port === null) throw new Error('preprocess-worker.js runs as a worker thread')
const clean = createPreprocessor((workerData as {params: PreprocessParams}).params)
port.on('message', ({seq, texts}: CleanBatch) => {
  let reply: CleanReply
  try {
    reply = {seq, cleaned: texts.map(text => clean(text))}
  } catch (error) {
    reply = {seq, error: (error as Error).message}
  }
  port.postMessage(reply)
})
