import {createHash} from 'node:crypto'
import {stat} from 'node:fs/promises'
import path from 'node:path'
import type {Bundle, BundleMeta} from '../core/bundle/types.js'
import {UserError} from '../core/errors.js'
import type {LoadModel, ModelRef, ResolveModel} from './model-ref.js'

/** The model answering requests, with the identity it reports (metrics, responses, /v2 metadata). */
export interface ServingModel {
  readonly bundle: Bundle
  readonly name: string
  readonly version: string
  /** The registry alias the URI followed (`champion`), or '' for a stage, a version number or a path. */
  readonly alias: string
  readonly stage: string
  readonly uri: string
  readonly dir: string
  readonly loadedAt: Date
  readonly loadMs: number
}

/** The part of a pino logger the holder uses. */
export interface HolderLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface HolderListener {
  /** A model was loaded and now answers requests (`previous` is the one it replaced). */
  loaded?(model: ServingModel, previous: ServingModel | undefined): void
  /** Resolving or loading a candidate failed; whatever served before keeps serving. */
  failed?(error: Error): void
}

export type RefreshOutcome =
  | {status: 'swapped'; model: ServingModel; previous?: ServingModel}
  | {status: 'unchanged'; model: ServingModel}
  | {status: 'failed'; error: Error; model?: ServingModel}

export interface ModelHolderOptions {
  /** A bundle path or a registry URI such as `models:/sentiment@champion`. */
  uri: string
  resolve: ResolveModel
  load: LoadModel
  log?: HolderLog
}

const silentLog: HolderLog = {info() {}, warn() {}, error() {}, debug() {}}

/** A text every bundle must answer sanely before it may replace the serving model. */
const PROBE_TEXTS = ['This was a wonderful film, I loved it.', '']

/**
 * Owns the serving model. `refresh()` resolves the URI again and, when it points somewhere new, loads and
 * validates the candidate off the request path and swaps it in with one reference assignment, so a request
 * sees either the old or the new model, never a mix. A candidate that fails keeps the old model serving.
 */
export class ModelHolder {
  private current?: ServingModel
  private currentKey?: string
  /** The candidate that failed last: not retried until the URI points elsewhere. */
  private failedKey?: string
  private lastFailure?: string
  private inFlight?: Promise<RefreshOutcome>
  private timer?: NodeJS.Timeout
  private closed = false
  private readonly listeners = new Set<HolderListener>()
  private readonly log: HolderLog

  constructor(private readonly options: ModelHolderOptions) {
    this.log = options.log ?? silentLog
  }

  get uri(): string {
    return this.options.uri
  }

  /** The model answering requests now, undefined until the first load succeeded. */
  get model(): ServingModel | undefined {
    return this.current
  }

  /** Ready to take traffic: a model is loaded and the holder is not closing. */
  get ready(): boolean {
    return this.current !== undefined && !this.closed
  }

  get closing(): boolean {
    return this.closed
  }

  subscribe(listener: HolderListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Loads the model the URI points to now; throws when there is none that works. */
  async load(): Promise<ServingModel> {
    const outcome = await this.refresh()
    if (outcome.status === 'failed') throw outcome.error
    return outcome.model
  }

  /** Resolves the URI again and swaps in what it points to when that changed. Never throws. */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = undefined
    })
    return this.inFlight
  }

  /** Polls the URI every `intervalMs` (first poll after one interval). */
  watch(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new UserError(`watch interval must be a positive number of milliseconds, got ${intervalMs}`)
    this.stopWatching()
    const tick = async () => {
      await this.refresh()
      if (!this.closed && this.timer !== undefined) this.timer = setTimeout(tick, intervalMs).unref()
    }
    this.timer = setTimeout(tick, intervalMs).unref()
  }

  stopWatching(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Readiness goes false and polling stops; the current model keeps answering in-flight requests. */
  async close(): Promise<void> {
    this.closed = true
    this.stopWatching()
    await this.inFlight
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    const uri = this.options.uri
    let ref: ModelRef
    let key: string
    try {
      ref = await this.options.resolve(uri)
      key = await candidateKey(ref)
    } catch (error) {
      return this.fail(asError(error), `cannot resolve model ${uri}`)
    }
    if (key === this.currentKey && this.current) return {status: 'unchanged', model: this.current}
    if (key === this.failedKey) {
      this.log.debug({uri, dir: ref.dir}, 'model candidate failed before; waiting for the URI to point elsewhere')
      return {status: 'failed', error: new UserError(this.lastFailure ?? `model ${uri} failed to load`), model: this.current}
    }

    const started = performance.now()
    let bundle: Bundle
    try {
      bundle = await this.options.load(ref.dir)
      validateBundle(bundle, ref.dir)
    } catch (error) {
      this.failedKey = key
      return this.fail(asError(error), `cannot load model ${uri} from ${ref.dir}`)
    }
    const model: ServingModel = {
      bundle,
      name: ref.name ?? path.basename(ref.dir),
      version: ref.version ?? contentVersion(bundle.meta),
      alias: ref.alias ?? '',
      stage: ref.stage ?? '',
      uri,
      dir: ref.dir,
      loadedAt: new Date(),
      loadMs: Math.round((performance.now() - started) * 10) / 10,
    }
    const previous = this.current
    this.current = model
    this.currentKey = key
    this.failedKey = undefined
    this.lastFailure = undefined
    const fields = {uri, model_name: model.name, model_version: model.version, alias: model.alias, dir: model.dir, load_ms: model.loadMs}
    if (previous) this.log.info({...fields, previous_version: previous.version}, 'model swapped')
    else this.log.info(fields, 'model loaded')
    this.notify(l => l.loaded?.(model, previous))
    return {status: 'swapped', model, previous}
  }

  /** A listener that throws must not break the swap or the polling loop. */
  private notify(call: (listener: HolderListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener)
      } catch (error) {
        this.log.error({err: asError(error)}, 'model holder listener failed')
      }
    }
  }

  private fail(error: Error, context: string): RefreshOutcome {
    const message = `${context}: ${error.message}`
    // A registry that stays unreachable would log every poll: say it once, then only in debug.
    if (message === this.lastFailure) this.log.debug({uri: this.options.uri}, message)
    else if (this.current) this.log.warn({uri: this.options.uri, serving_version: this.current.version}, `${message}; the current model keeps serving`)
    else this.log.error({uri: this.options.uri}, message)
    this.lastFailure = message
    this.notify(l => l.failed?.(error))
    const wrapped = error instanceof UserError ? error : new UserError(message, {cause: error})
    return {status: 'failed', error: wrapped, model: this.current}
  }
}

/** Identifies what a URI points to without loading it: the directory, the registry version and the dir's inode. */
async function candidateKey(ref: ModelRef): Promise<string> {
  let stamp = 'missing'
  try {
    // A bundle rewritten in place (writeDirAtomic renames a new directory over the old one) gets a new inode.
    const s = await stat(ref.dir)
    stamp = `${s.ino}:${s.mtimeMs}`
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return `${ref.dir}\0${ref.version ?? ''}\0${stamp}`
}

/** A version for bundles served from a path: a digest of what the bundle says about itself. */
function contentVersion(meta: BundleMeta): string {
  return `sha256-${createHash('sha256').update(JSON.stringify(meta)).digest('hex').slice(0, 12)}`
}

/** Smoke test of a candidate: it must answer a probe with a known label and probabilities that add up. */
function validateBundle(bundle: Bundle, dir: string): void {
  const classes = bundle.meta?.classNames
  if (!Array.isArray(classes) || classes.length < 2) throw new UserError(`${dir}: bundle lists no class names`)
  const predictions = bundle.predict(PROBE_TEXTS)
  if (predictions.length !== PROBE_TEXTS.length) {
    throw new UserError(`${dir}: bundle answered ${predictions.length} predictions for ${PROBE_TEXTS.length} probe texts`)
  }
  for (const p of predictions) {
    const total = Object.values(p.probabilities).reduce((a, b) => a + b, 0)
    if (!classes.includes(p.label) || !Number.isFinite(p.score) || Math.abs(total - 1) > 1e-6) {
      throw new UserError(`${dir}: bundle answered an invalid probe prediction (label ${JSON.stringify(p.label)}, probabilities summing to ${total})`)
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
