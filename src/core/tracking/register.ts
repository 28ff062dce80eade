/**
 * `register`: a run's model (or a bundle directory, logged as a new run first) becomes a new version of a
 * registered model; the version then moves to a stage and/or gets an alias, unless the promotion gate rejects
 * it. Inputs are checked before anything is written; a rejected version stays registered, tagged with the
 * verdict, and GateRejectedError (exit 3) is thrown after the tags are written.
 */
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {GateRejectedError, UsageError, UserError} from '../errors.js'
import {readablePath} from '../fs/atomic.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {loadBundle} from '../bundle/index.js'
import type {CompareOptions, ComparisonWithSamples} from '../evaluation/compare.js'
import {compareBundles, type LabeledSet} from '../evaluation/score-bundle.js'
import {currentUser} from './env-info.js'
import {isAlreadyExists, isNotFound} from './errors.js'
import {checkComparison, checkSignificance, checkThresholds, higherIsBetter, isComparedMetric, parseGate, type Check, type Gate} from './gate.js'
import {flattenParams} from './inputs.js'
import {normalizeStage, validateAlias, validateModelName} from './names.js'
import {findVersion, resolveModel} from './resolve.js'
import {DEFAULT_MODEL_ARTIFACT_PATH, MLMODEL_FILE, withRun} from './run-context.js'
import type {ModelVersion, Run, Stage, Stores} from './store.js'
import {checkArtifactPath, formatModelUri, localArtifactPath, parseModelUri} from './uri.js'

export const GATE_TAG = 'sentiops.gate'
export const GATE_REASON_TAG = 'sentiops.gate.reason'
export const GATE_FORCED_REASON_TAG = 'sentiops.gate.forced_reason'
export const GATE_FORCED_BY_TAG = 'sentiops.gate.forced_by'

export interface RegisterOptions {
  stores: Stores
  /** Registered model name; created when missing. */
  name: string
  /** The run whose `artifactPath` folder is the model. */
  runId?: string
  /** A bundle directory, logged as the `artifactPath` of a new run when no runId is given. */
  bundleDir?: string
  /** Experiment of that new run (default: MLflow's Default experiment). */
  experiment?: string
  /** Artifact path of the model in the run (default `model`). */
  artifactPath?: string
  stage?: Stage | string
  alias?: string
  archiveExisting?: boolean
  /** Threshold rules such as `f1>=0.80`, all of which must pass. */
  gates?: string[]
  /** A models:/ URI the candidate must beat by `minDelta` on `metric` (default: the first gate's metric). */
  against?: string
  metric?: string
  /** Required gain over `against`; negative (with `significance`) = non-inferiority margin. */
  minDelta?: number
  /**
   * Score the candidate and the `against` model on the same labeled texts and gate on a paired test at level
   * `alpha` (gate.ts checkSignificance) instead of comparing the two runs' logged metrics.
   */
  significance?: SignificanceOptions
  /** Promote even when the gate rejects (requires `reason`, which is recorded). */
  force?: boolean
  reason?: string
  /** Candidate metrics; they take precedence over the run's logged metrics (latest value per key). */
  metrics?: Record<string, number>
  /**
   * A JSON file of candidate metrics (e.g. reports/metrics.json; numeric entries, nested objects as dotted keys).
   * A missing file is an error when `required`, otherwise ignored.
   */
  metricsFile?: {path: string; required: boolean}
  cwd?: string
  reporter?: Reporter
  /** Environment for user names in tags (default process.env). */
  env?: NodeJS.ProcessEnv
}

export interface SignificanceOptions {
  alpha: number
  data: LabeledSet
  compare: CompareOptions
}

export type GateVerdict = 'none' | 'passed' | 'rejected' | 'forced'

export interface RegisterResult {
  name: string
  version: string
  /** `models:/<name>/<version>` */
  uri: string
  runId: string
  source: string
  modelCreated: boolean
  /** Stage and aliases after this call. */
  stage: Stage
  aliases: string[]
  promoted: boolean
  gate: {verdict: GateVerdict; checks: Check[]; forcedReason?: string}
}

interface Plan {
  name: string
  stage?: Stage
  alias?: string
  archiveExisting: boolean
  gates: Gate[]
  against?: string
  compareMetric?: string
  minDelta: number
  artifactPath: string
  /** The comparison scores both models on data instead of reading their runs' metrics. */
  paired: boolean
}

export async function registerModel(options: RegisterOptions): Promise<RegisterResult> {
  const reporter = options.reporter ?? silentReporter
  const {tracking, registry} = options.stores
  const plan = validate(options)

  // Everything that can fail on bad input happens before the first write.
  const candidateRun = options.runId ? await tracking.getRun(options.runId) : undefined
  if (candidateRun) await requireLocalModel(candidateRun, plan.artifactPath, options.stores.uri.startsWith('file:'))
  else await requireBundle(path.resolve(options.cwd ?? process.cwd(), options.bundleDir!))
  const fromFile = options.metricsFile ? await readMetricsFile(path.resolve(options.cwd ?? process.cwd(), options.metricsFile.path), options.metricsFile.required) : {}
  const metrics = {...candidateRun?.data.metrics, ...fromFile, ...options.metrics}
  requireMetrics(plan, metrics, candidateRun)
  const sig = options.significance
  const reference = plan.against && !sig ? await referenceMetric(options.stores, plan.against, plan.compareMetric!) : undefined
  const paired = plan.against && sig ? await pairedComparison(options, plan, sig, candidateRun, reporter) : undefined

  const run = candidateRun ?? (await logBundleRun(options, plan, metrics, reporter))
  const source = `${run.info.artifactUri.replace(/\/+$/, '')}/${plan.artifactPath}`
  const created = await ensureRegisteredModel(registry, plan.name)
  if (created) reporter.info(`created registered model '${plan.name}' in ${registry.uri}`)
  let version = await registry.createModelVersion(plan.name, source, run.info.runId)
  reporter.debug(`registered ${formatModelUri({kind: 'version', name: plan.name, version: version.version})} from run ${run.info.runId} (${source})`)

  const checks: Check[] = checkThresholds(plan.gates, metrics)
  if (plan.against && sig && isComparedMetric(plan.compareMetric!)) {
    checks.push(checkSignificance({
      against: plan.against, againstVersion: paired?.version, metric: plan.compareMetric, alpha: sig.alpha, minDelta: plan.minDelta, result: paired?.result,
    }))
  } else if (plan.against && plan.compareMetric) {
    checks.push(checkComparison({
      against: plan.against,
      againstVersion: reference?.version,
      metric: plan.compareMetric,
      candidate: metrics[plan.compareMetric],
      reference: reference?.value,
      minDelta: plan.minDelta,
      higherIsBetter: higherIsBetter(plan.gates.find(g => g.metric === plan.compareMetric)),
    }))
  }
  const failures = checks.filter(c => !c.passed).map(c => c.message)
  const verdict: GateVerdict = checks.length === 0 ? 'none' : failures.length === 0 ? 'passed' : options.force ? 'forced' : 'rejected'
  if (verdict !== 'none') await tagVerdict(options, version, verdict, checks, failures)
  if (verdict === 'forced') reporter.warn(`promotion gate overridden with --force (${options.reason}): ${failures.join('; ')}`)

  const result = (promoted: boolean, v: ModelVersion, aliases: string[]): RegisterResult => ({
    name: plan.name, version: v.version, uri: formatModelUri({kind: 'version', name: plan.name, version: v.version}), runId: run.info.runId,
    source, modelCreated: created, stage: v.currentStage, aliases, promoted,
    gate: {verdict, checks, ...(verdict === 'forced' ? {forcedReason: options.reason} : {})},
  })

  if (verdict === 'rejected') {
    const r = result(false, version, version.aliases)
    throw new GateRejectedError(`${r.uri} is registered but not promoted: ${failures.join('; ')}`, {
      suggestions: ['improve the model, relax the gate, or override with --force --reason "<why>"'],
      data: {result: r},
    })
  }
  if (plan.stage && plan.stage !== 'None') version = await registry.transitionStage(plan.name, version.version, plan.stage, plan.archiveExisting)
  if (plan.alias) await registry.setAlias(plan.name, plan.alias, version.version)
  const final = await registry.getModelVersion(plan.name, version.version)
  return result(Boolean((plan.stage && plan.stage !== 'None') || plan.alias), final, final.aliases)
}

function validate(options: RegisterOptions): Plan {
  validateModelName(options.name)
  if (options.runId && options.bundleDir) throw new UsageError('give either a run id or a model directory, not both')
  if (!options.runId && !options.bundleDir) throw new UsageError('nothing to register: give a run id or a model directory')
  const artifactPath = options.artifactPath ?? DEFAULT_MODEL_ARTIFACT_PATH
  checkArtifactPath(artifactPath, 'model artifact path')
  const stage = options.stage === undefined || options.stage === '' ? undefined : normalizeStage(options.stage)
  if (options.alias) validateAlias(options.alias)
  const archiveExisting = Boolean(options.archiveExisting)
  if (archiveExisting && stage !== 'Staging' && stage !== 'Production') throw new UsageError('--archive-existing needs --stage Staging or --stage Production')
  const gates = (options.gates ?? []).filter(g => g.trim() !== '').map(g => parseGate(g))
  const against = options.against?.trim() || undefined
  if (against) {
    const ref = parseModelUri(against)
    if (ref.kind === 'path' || ref.kind === 'run') throw new UsageError(`--against needs a registry URI such as models:/${options.name}@champion (got '${against}')`)
  }
  const minDelta = options.minDelta ?? 0
  const sig = options.significance
  if (!Number.isFinite(minDelta) || (minDelta < 0 && !sig)) {
    throw new UsageError(`min-delta must be a number ≥ 0 (got ${options.minDelta}); a negative margin (non-inferiority) needs --significance with --data`)
  }
  if (sig && !(sig.alpha > 0 && sig.alpha < 0.5)) throw new UsageError(`significance must be between 0 and 0.5, e.g. 0.05 (got ${sig.alpha})`)
  if (sig && !against) throw new UsageError('--significance needs --against, the model to compare with (e.g. models:/sentiment@champion)')
  // On labeled data the gate compares accuracy unless told otherwise; the run comparison needs a gate metric.
  const compareMetric = options.metric?.trim() || (sig ? 'accuracy' : gates[0]?.metric)
  if (against && !compareMetric) throw new UsageError('--against needs a metric to compare: add a --gate rule (its metric is used) or --metric')
  if (sig && !isComparedMetric(compareMetric!)) throw new UsageError(`--significance compares accuracy, f1, roc_auc, macro_f1 or log_loss; --metric is '${compareMetric}'`)
  if (options.force && !options.reason?.trim()) throw new UsageError('--force needs --reason "<why the gate is overridden>" (it is recorded on the version)')
  return {name: options.name, stage, alias: options.alias || undefined, archiveExisting, gates, against, compareMetric, minDelta, artifactPath, paired: Boolean(sig)}
}

/** A gate on a metric the candidate does not have is a mistake in the gate (or a missing evaluation), not a rejection. */
function requireMetrics(plan: Plan, metrics: Record<string, number>, run?: Run): void {
  const fromRuns = plan.against && plan.compareMetric && !plan.paired
  const needed = new Set([...plan.gates.map(g => g.metric), ...(fromRuns ? [plan.compareMetric!] : [])])
  const missing = [...needed].filter(m => typeof metrics[m] !== 'number')
  if (missing.length === 0) return
  const available = Object.keys(metrics).sort()
  const where = run ? `run ${run.info.runId}` : 'the candidate'
  throw new UserError(`${where} has no metric ${missing.map(m => `'${m}'`).join(', ')} for the promotion gate (available: ${available.length > 0 ? available.join(', ') : 'none'})`, {
    suggestions: ['run `sentiops evaluate` first, or fix the metric name in the gate'],
  })
}

/** The version holding the --against alias or stage; undefined when nothing holds it yet (the first model passes). */
async function referenceVersion(stores: Stores, against: string): Promise<ModelVersion | undefined> {
  const ref = parseModelUri(against)
  if (ref.kind === 'path' || ref.kind === 'run') return undefined
  try {
    return await findVersion(stores, ref)
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/** The reference model's logged metric; undefined when nothing holds that alias/stage yet. */
async function referenceMetric(stores: Stores, against: string, metric: string): Promise<{version: string; value: number} | undefined> {
  const version = await referenceVersion(stores, against)
  if (!version) return undefined
  if (!version.runId) throw new UserError(`${against} (version ${version.version}) has no run, so its '${metric}' is unknown: compare against another model or drop --against`)
  const run = await stores.tracking.getRun(version.runId)
  const value = run.data.metrics[metric]
  if (typeof value !== 'number') {
    throw new UserError(`${against} (version ${version.version}, run ${version.runId}) has no metric '${metric}' to compare with (available: ${Object.keys(run.data.metrics).sort().join(', ') || 'none'})`)
  }
  return {version: version.version, value}
}

/**
 * The reference (A) and the candidate (B) scored on the same texts, each with its own stored threshold (as it
 * serves); undefined when nothing holds the reference yet. Both bundles are read before anything is written.
 */
async function pairedComparison(options: RegisterOptions, plan: Plan, sig: SignificanceOptions, candidateRun: Run | undefined, reporter: Reporter): Promise<{version: string; result: ComparisonWithSamples} | undefined> {
  const version = await referenceVersion(options.stores, plan.against!)
  if (!version) return undefined
  const cwd = options.cwd ?? process.cwd()
  const resolveOptions = {cwd, env: options.env}
  const referenceDir = (await resolveModel(formatModelUri({kind: 'version', name: version.name, version: version.version}), options.stores, resolveOptions)).dir
  const candidateDir = candidateRun
    ? (await resolveModel(formatModelUri({kind: 'run', runId: candidateRun.info.runId, path: plan.artifactPath}), options.stores, resolveOptions)).dir
    : path.resolve(cwd, options.bundleDir!)
  reporter.info(`scoring the candidate and ${plan.against} (version ${version.version}) on ${sig.data.texts.length} texts of ${sig.data.source}`)
  const result = compareBundles(await loadBundle(referenceDir), await loadBundle(candidateDir), sig.data, sig.compare, reporter)
  return {version: version.version, result}
}

async function logBundleRun(options: RegisterOptions, plan: Plan, metrics: Record<string, number>, reporter: Reporter): Promise<Run> {
  const {tracking} = options.stores
  const bundleDir = path.resolve(options.cwd ?? process.cwd(), options.bundleDir!)
  const runId = await withRun(tracking, {
    experiment: options.experiment ?? 'Default',
    runName: `register-${plan.name}`,
    cwd: options.cwd,
    reporter,
    env: options.env,
    tags: {'sentiops.registered_from': bundleDir},
  }, async run => {
    await run.logModel(bundleDir, plan.artifactPath)
    const points = Object.entries(metrics).filter(([, v]) => typeof v === 'number').map(([key, value]) => ({key, value}))
    if (points.length > 0) await run.logMetrics(points)
    return run.runId
  })
  return tracking.getRun(runId)
}

/** Numeric entries of a metrics JSON file (nested objects flattened to dotted keys; null/NaN entries skipped). */
export async function readMetricsFile(file: string, required: boolean): Promise<Record<string, number>> {
  let text: string
  try {
    // While evaluate rewrites it (or after evaluate was killed), the previous version sits next to it.
    text = await readFile(await readablePath(file), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !required) return {}
    throw new UserError(code === 'ENOENT' ? `metrics file not found: ${file}` : `cannot read the metrics file ${file} (${code ?? (error as Error).message})`, {
      suggestions: code === 'ENOENT' ? ['run `sentiops evaluate` first, or point --metrics-file at a JSON file of metrics'] : [],
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UserError(`metrics file ${file} is not valid JSON`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UserError(`metrics file ${file} must hold a JSON object of metric values`)
  const out: Record<string, number> = {}
  for (const [key, value] of Object.entries(flattenParams(parsed as Record<string, unknown>))) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value
  }
  return out
}

/** True when the model had to be created. */
async function ensureRegisteredModel(registry: Stores['registry'], name: string): Promise<boolean> {
  try {
    await registry.getRegisteredModel(name)
    return false
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  try {
    await registry.createRegisteredModel(name)
    return true
  } catch (error) {
    // Another process created it between our read and our create.
    if (isAlreadyExists(error)) return false
    throw error
  }
}

async function requireBundle(dir: string): Promise<void> {
  try {
    await stat(path.join(dir, MLMODEL_FILE))
  } catch {
    throw new UserError(`no model bundle at ${dir} (missing ${MLMODEL_FILE})`, {suggestions: ['run `sentiops train` first, or pass --model-dir with a bundle directory']})
  }
}

/**
 * When the run's artifacts are on this machine, make sure the model folder is really there before registering.
 * A server's local artifact root that is not mounted here cannot be checked (the server will serve it).
 */
async function requireLocalModel(run: Run, artifactPath: string, fileStore: boolean): Promise<void> {
  const root = localArtifactPath(run.info.artifactUri)
  // <experiment artifact location>/<run_id>/artifacts: the experiment's folder tells whether the root is mounted here.
  if (!root || (!fileStore && !(await stat(path.dirname(path.dirname(root))).catch(() => undefined)))) return
  const dir = path.join(root, ...artifactPath.split('/'))
  try {
    await stat(path.join(dir, MLMODEL_FILE))
  } catch {
    throw new UserError(`run ${run.info.runId} has no model at artifact path '${artifactPath}' (no ${MLMODEL_FILE} in ${dir})`, {
      suggestions: ['register a run that logged its model (sentiops train), or pass --model-dir'],
    })
  }
}

async function tagVerdict(options: RegisterOptions, version: ModelVersion, verdict: GateVerdict, checks: Check[], failures: string[]): Promise<void> {
  const {registry} = options.stores
  const reason = (failures.length > 0 ? failures : checks.map(c => c.message)).join('; ')
  await registry.setModelVersionTag(version.name, version.version, GATE_TAG, verdict)
  await registry.setModelVersionTag(version.name, version.version, GATE_REASON_TAG, reason.slice(0, 5000))
  if (verdict === 'forced') {
    await registry.setModelVersionTag(version.name, version.version, GATE_FORCED_REASON_TAG, options.reason!.slice(0, 5000))
    await registry.setModelVersionTag(version.name, version.version, GATE_FORCED_BY_TAG, currentUser(options.env))
  }
}
