import {availableParallelism, loadavg} from 'node:os'
import {Worker} from 'node:worker_threads'
import type {PreprocessParams} from '../config/params.js'
import {createPreprocessor} from './preprocess.js'
import type {CleanBatch, CleanReply} from './preprocess-worker.js'

/** Below this many texts a worker thread cannot pay back its start (~0.2 s of a core to load the lemmatizer). */
export const MIN_TEXTS_FOR_THREADS = 50_000
/** Texts per batch: big enough that messages cost little, small enough to keep both threads busy to the end. */
const BATCH_SIZE = 16_384
/** Batches a worker holds at once: one it cleans and the next, so it never waits for the main thread. */
const IN_FLIGHT_PER_WORKER = 2

export interface PreprocessAllOptions {
  /** Worker threads besides the main thread; default: one per idle core beyond the first for large inputs, else 0. */
  threads?: number
  /** Texts per batch (default 16,384). */
  batchSize?: number
  /** Told after each batch how many texts are clean. */
  onProgress?: (done: number, total: number) => void
}

/**
 * createPreprocessor(params) applied to every text, in order: `preprocessAll(texts)[i] === clean(texts[i])`.
 * On large inputs, worker threads running the same pipeline clean batches alongside the main thread; a worker
 * that fails leaves its batches to the main thread, so the result never depends on the threads.
 */
export async function preprocessAll(texts: readonly string[], params: PreprocessParams, options: PreprocessAllOptions = {}): Promise<string[]> {
  const clean = createPreprocessor(params)
  const threads = options.threads ?? autoThreads(texts.length)
  const batch = options.batchSize ?? BATCH_SIZE
  const batches = Math.ceil(texts.length / batch)
  const results = new Array<string[]>(batches)
  let next = 0
  let done = 0
  const finished = (b: number, cleaned: string[]) => {
    results[b] = cleaned
    done += cleaned.length
    options.onProgress?.(done, texts.length)
  }
  const slice = (b: number) => texts.slice(b * batch, Math.min(texts.length, (b + 1) * batch)) as string[]
  const cleanHere = (b: number) => finished(b, slice(b).map(text => clean(text)))

  const inline = async () => {
    for (let b = next++; b < batches; b = next++) {
      cleanHere(b)
      // Lets worker replies in and the next batches out between two batches of our own.
      if (threads > 0) await new Promise(resolve => setImmediate(resolve))
    }
  }
  const workers = Array.from({length: batches > 1 ? threads : 0}, () => CleanWorker.start(params)).filter(w => w !== undefined)
  const feed = async (worker: CleanWorker) => {
    for (let b = next++; b < batches; b = next++) {
      const cleaned = worker.failed ? undefined : await worker.clean({seq: b, texts: slice(b)}).catch(() => undefined)
      if (cleaned === undefined || cleaned.length !== Math.min(batch, texts.length - b * batch)) cleanHere(b)
      else finished(b, cleaned)
    }
  }
  try {
    await Promise.all([inline(), ...workers.flatMap(w => Array.from({length: IN_FLIGHT_PER_WORKER}, () => feed(w)))])
  } finally {
    await Promise.all(workers.map(w => w.stop()))
  }
  return results.length === 1 ? results[0] : results.flat()
}

/**
 * Workers for `n` texts: one per idle core beyond the main thread's. Measured on 2 cores at a load of 5, a
 * worker made the main thread's batches twice as slow and the whole 25% more CPU for no gain in wall time: the
 * threads only share the CPU time the machine has to spare, so a busy machine gets none.
 */
function autoThreads(n: number): number {
  if (n < MIN_TEXTS_FOR_THREADS) return 0
  const cores = availableParallelism()
  return Math.max(0, Math.min(cores - 1, Math.round(cores - loadavg()[0]), 7))
}

/** One worker thread and the batches it was sent. */
class CleanWorker {
  failed = false
  private readonly worker: Worker
  private readonly pending = new Map<number, {resolve(cleaned: string[]): void; reject(error: Error): void}>()

  /** A worker, or undefined when none can start here (the main thread then cleans everything). */
  static start(params: PreprocessParams): CleanWorker | undefined {
    try {
      return new CleanWorker(params)
    } catch {
      return undefined
    }
  }

  private constructor(params: PreprocessParams) {
    this.worker = import.meta.url.endsWith('.ts')
      ? // Under tsx (tests, bin/dev.js) the worker next to this module is TypeScript too: register tsx in its thread first.
        new Worker(`import('tsx/esm/api').then(tsx => (tsx.register(), import(${JSON.stringify(new URL('./preprocess-worker.ts', import.meta.url).href)})))`, {
          eval: true,
          workerData: {params},
        })
      : new Worker(new URL('./preprocess-worker.js', import.meta.url), {workerData: {params}})
    this.worker.on('message', (reply: CleanReply) => {
      const waiting = this.pending.get(reply.seq)
      this.pending.delete(reply.seq)
      if ('cleaned' in reply) waiting?.resolve(reply.cleaned)
      else waiting?.reject(new Error(reply.error))
    })
    const fail = (error: Error) => {
      this.failed = true
      for (const waiting of this.pending.values()) waiting.reject(error)
      this.pending.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', code => fail(new Error(`a preprocess worker thread stopped (exit code ${code})`)))
  }

  clean(batch: CleanBatch): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.pending.set(batch.seq, {resolve, reject})
      this.worker.postMessage(batch)
    })
  }

  async stop(): Promise<void> {
    this.failed = true
    await this.worker.terminate()
  }
}
