/**
 * A prediction worker thread of `sentiops predict`: loads the bundle directory it is given and turns batches
 * of texts into JSON lines with the same code as the main thread (formatPredictions).
 */
import {parentPort, workerData} from 'node:worker_threads'
import {loadBundle} from '../bundle/index.js'
import {formatPredictions, type PredictBatch, type WorkerReply} from './predict-format.js'

const port = parentPort
if (port === null) throw new Error('predict-worker.js runs as a worker thread')

try {
  const bundle = await loadBundle((workerData as {dir: string}).dir)
  port.on('message', (batch: PredictBatch) => {
    let reply: WorkerReply
    try {
      reply = {seq: batch.seq, lines: formatPredictions(bundle.predict(batch.texts), batch.ids)}
    } catch (error) {
      reply = {seq: batch.seq, error: (error as Error).message}
    }
    port.postMessage(reply)
  })
  port.postMessage({ready: true} satisfies WorkerReply)
} catch (error) {
  port.postMessage({error: (error as Error).message} satisfies WorkerReply)
}
