import {Worker} from 'node:worker_threads'
import {UserError} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {PredictBatch, WorkerReply} from './predict-format.js'

/** Batches a worker holds at once: one it works on and the next, so it never waits for the main thread. */
const IN_FLIGHT_PER_WORKER = 2

interface PoolWorker {
  worker: Worker
  ready: boolean
  /** Settles with whether the worker loaded the bundle. */
  started: Promise<boolean>
  settleStart(ok: boolean): void
  /** Stops the worker; its batches in flight are rejected (predictStream predicts them again itself). */
  fail(error: Error): Promise<void>
  dead: boolean
  inFlight: Map<number, {resolve(lines: string): void; reject(error: Error): void}>
}

/**
 * Worker threads that predict batches for `sentiops predict --input` on the other cores. Each loads the
 * bundle directory itself (in parallel with the main thread's own load), so nothing big crosses threads
 * but texts in and JSON lines out. Until a worker is ready, or while all are busy, `trySubmit` declines and
 * the main thread predicts the batch itself: the pool only ever adds throughput.
 */
export class PredictPool {
  private readonly workers: PoolWorker[]
  private batchesTaken = 0

  private constructor(dir: string, size: number, reporter?: Reporter) {
    this.workers = Array.from({length: size}, () => this.spawn(dir, reporter))
  }

  /** Starts `size` workers loading the bundle at `dir`; returns at once. */
  static start(dir: string, size: number, reporter?: Reporter): PredictPool {
    return new PredictPool(dir, size, reporter)
  }

  get size(): number {
    return this.workers.length
  }

  /** Batches handed to workers so far. */
  get taken(): number {
    return this.batchesTaken
  }

  /** Waits until every worker has loaded the bundle or failed; resolves with how many are ready. */
  async ready(): Promise<number> {
    return (await Promise.all(this.workers.map(w => w.started))).filter(Boolean).length
  }

  /** Sends the batch to a ready worker with room and returns its JSON lines, or undefined when none has room. */
  trySubmit(batch: PredictBatch): Promise<string> | undefined {
    let best: PoolWorker | undefined
    for (const w of this.workers) {
      if (w.ready && !w.dead && w.inFlight.size < IN_FLIGHT_PER_WORKER && (best === undefined || w.inFlight.size < best.inFlight.size)) best = w
    }
    if (best === undefined) return undefined
    const target = best
    this.batchesTaken++
    return new Promise<string>((resolve, reject) => {
      target.inFlight.set(batch.seq, {resolve, reject})
      target.worker.postMessage(batch)
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(w => w.fail(new Error('the prediction worker pool closed'))))
  }

  private spawn(dir: string, reporter?: Reporter): PoolWorker {
    const worker = import.meta.url.endsWith('.ts')
      ? // Under tsx (tests, bin/dev.js) the worker next to this module is TypeScript too: register tsx in its thread first.
        new Worker(`import('tsx/esm/api').then(tsx => (tsx.register(), import(${JSON.stringify(new URL('./predict-worker.ts', import.meta.url).href)})))`, {eval: true, workerData: {dir}})
      : new Worker(new URL('./predict-worker.js', import.meta.url), {workerData: {dir}})
    let settleStart!: (ok: boolean) => void
    const started = new Promise<boolean>(resolve => (settleStart = resolve))
    const fail = async (error: Error) => {
      w.settleStart(false)
      if (w.dead) return
      w.dead = true
      for (const pending of w.inFlight.values()) pending.reject(error)
      w.inFlight.clear()
      await worker.terminate()
    }
    const w: PoolWorker = {worker, ready: false, started, settleStart, fail, dead: false, inFlight: new Map()}
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        w.ready = true
        w.settleStart(true)
        return
      }
      if ('error' in reply && reply.seq === undefined) {
        // The main thread loaded the same bundle, so this is rare (memory); it predicts the worker's share.
        reporter?.warn(`predict: a worker thread could not load the model (${reply.error}); going on without it`)
        void fail(new Error(reply.error))
        return
      }
      const pending = w.inFlight.get(reply.seq!)
      if (pending === undefined) return
      w.inFlight.delete(reply.seq!)
      if ('lines' in reply) pending.resolve(reply.lines)
      else pending.reject(new UserError(`predict: ${reply.error}`))
    })
    worker.on('error', error => {
      if (!w.ready) reporter?.warn(`predict: a worker thread failed to start (${error.message}); going on without it`)
      void fail(error)
    })
    worker.on('exit', code => void fail(new Error(`a prediction worker thread stopped (exit code ${code})`)))
    return w
  }
}

/** Below this much input a worker cannot pay back its start (loading the bundle: ~0.15 s of a core). */
const MIN_BYTES_FOR_WORKERS = 8 * 1024 * 1024
const MAX_AUTO_WORKERS = 7

/**
 * How many worker threads `sentiops predict --input` uses: `requested` when given, else one per core beyond
 * the main thread's for a file of 256 KiB or more (stdin: none, its size is unknown).
 */
export async function chooseWorkerCount(input: string, requested?: number): Promise<number> {
  if (requested !== undefined) return requested
  if (input === '-') return 0
  const {stat} = await import('node:fs/promises')
  const {availableParallelism} = await import('node:os')
  const size = (await stat(input).catch(() => undefined))?.size ?? 0
  return size >= MIN_BYTES_FOR_WORKERS ? Math.min(availableParallelism() - 1, MAX_AUTO_WORKERS) : 0
}
