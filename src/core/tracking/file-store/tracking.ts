/**
 * TrackingStore over MLflow's on-disk layout (spec §1, written per the §4 profile), readable by a real
 * `mlflow ui --backend-store-uri ./mlruns`.
 */
import {randomInt, randomUUID} from 'node:crypto'
import {cp, mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {writeDirAtomic, writeFileAtomic} from '../../fs/atomic.js'
import {crashPoint} from '../../fs/crash-point.js'
import {UserError} from '../../errors.js'
import {currentUser} from '../env-info.js'
import {NotFoundError} from '../errors.js'
import {normalizeMetrics, normalizeParams, normalizeTags} from '../inputs.js'
import {validateExperimentId, validateExperimentName, validateRunId} from '../names.js'
import {randomRunName} from '../run-names.js'
import type {
  CreateRunOptions, Experiment, MetricInput, ParamValue, Run, RunFilter, RunInfo, TerminalRunStatus, TrackingStore,
} from '../store.js'
import {checkArtifactPath, fileUriToPath, pathToFileUri} from '../uri.js'
import {dumpMlflowYaml, readYamlMapping} from '../yaml.js'
import {LEGACY_STAGING_PREFIX, META_FILE, MODELS_DIR, RESERVED_EXPERIMENT_SUBDIRS, STAGING_DIR, TRASH_DIR} from './layout.js'
import {experimentFromMeta, experimentToMeta, runFromMeta, runToMeta} from './meta.js'
import type {FileStoreRoot} from './root.js'
import {appendMetricLines, latestPoint, listKeys, metricLine, readMetricFile, readValueDir} from './values.js'
import {createDirAtomicIn, exists, stage, unstage, writeFileAtomicIn, writeFileOnceIn} from './writer.js'

interface LocatedExperiment {
  experiment: Experiment
  dir: string
}

interface LocatedRun {
  info: RunInfo
  dir: string
  metaFile: string
}

export class FileTrackingStore implements TrackingStore {
  readonly uri: string
  /** run id → run directory; runs never move except with their experiment, so a miss just rescans. */
  private readonly runDirs = new Map<string, string>()

  constructor(private readonly store: FileStoreRoot, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.uri = store.uri
  }

  private get layout() {
    return this.store.layout
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    validateExperimentName(name)
    return (await this.listExperiments()).find(e => e.experiment.name === name)?.experiment
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    validateExperimentName(name)
    const existing = await this.getExperimentByName(name)
    if (existing) return this.requireActive(existing)
    return this.store.locked(async () => {
      const raced = await this.getExperimentByName(name)
      return raced ? this.requireActive(raced) : this.createExperiment(name)
    })
  }

  private requireActive(e: Experiment): Experiment {
    if (e.lifecycleStage === 'deleted') {
      throw new UserError(`experiment '${e.name}' (id ${e.experimentId}) is deleted: restore it (mlflow experiments restore --experiment-id ${e.experimentId}) or use another name`)
    }
    return e
  }

  private async createExperiment(name: string): Promise<Experiment> {
    for (;;) {
      const id = randomExperimentId()
      const dir = this.layout.experimentDir(id)
      if ((await exists(dir)) || (await exists(this.layout.experimentDir(id, true)))) continue
      const now = Date.now()
      const experiment: Experiment = {
        experimentId: id, name, artifactLocation: pathToFileUri(dir), lifecycleStage: 'active', creationTime: now, lastUpdateTime: now, tags: {},
      }
      const created = await createDirAtomicIn(this.layout.root, dir, d => writeFile(path.join(d, META_FILE), dumpMlflowYaml(experimentToMeta(experiment))))
      if (created) return experiment
    }
  }

  /** Active experiments (root sub-directories) and deleted ones (in .trash), as MLflow lists them. */
  private async listExperiments(): Promise<LocatedExperiment[]> {
    const out: LocatedExperiment[] = []
    for (const [parent, deleted] of [[this.layout.root, false], [this.layout.trash, true]] as const) {
      for (const id of await subdirs(parent)) {
        if (!deleted && (id === TRASH_DIR || id === MODELS_DIR)) continue
        const located = await this.readExperiment(path.join(parent, id))
        if (located) out.push(located)
      }
    }
    return out
  }

  private async readExperiment(dir: string): Promise<LocatedExperiment | undefined> {
    const file = path.join(dir, META_FILE)
    const meta = await readYamlMapping(file)
    if (!meta) return undefined
    const experiment = experimentFromMeta(meta, file, await readValueDir(path.join(dir, 'tags')))
    // MLflow ignores an experiment whose directory name differs from its id.
    return experiment.experimentId === path.basename(dir) ? {experiment, dir} : undefined
  }

  private async findExperiment(experimentId: string): Promise<LocatedExperiment> {
    validateExperimentId(experimentId)
    for (const deleted of [false, true]) {
      const located = await this.readExperiment(this.layout.experimentDir(experimentId, deleted))
      if (located) return located
    }
    throw new NotFoundError(`experiment id '${experimentId}' not found in ${this.uri}`)
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    await this.store.init()
    const {experiment, dir: experimentDir} = await this.findExperiment(options.experimentId)
    this.requireActive(experiment)
    const runId = randomUUID().replaceAll('-', '')
    const runName = options.runName ?? options.tags?.['mlflow.runName'] ?? randomRunName()
    const userId = options.userId ?? options.tags?.['mlflow.user'] ?? currentUser(this.env)
    const tags = normalizeTags({...options.tags, 'mlflow.runName': runName, 'mlflow.user': userId})
    const runDir = path.join(experimentDir, runId)
    const artifactUri = `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`
    const info: RunInfo = {
      runId, runName, experimentId: experiment.experimentId, userId, status: 'RUNNING',
      startTime: options.startTime ?? Date.now(), artifactUri, lifecycleStage: 'active',
    }
    const created = await createDirAtomicIn(this.layout.root, runDir, async d => {
      await writeFile(path.join(d, META_FILE), dumpMlflowYaml(runToMeta(info)))
      await mkdir(path.join(d, 'metrics'))
      await mkdir(path.join(d, 'params'))
      // The artifacts folder belongs in the run only when the artifact location is the run's own folder (§1.6).
      if (artifactUri === pathToFileUri(path.join(runDir, 'artifacts'))) await mkdir(path.join(d, 'artifacts'))
      for (const [key, value] of tags) {
        const file = this.layout.keyFile(path.join(d, 'tags'), key)
        await mkdir(path.dirname(file), {recursive: true})
        await writeFile(file, value)
      }
    })
    if (!created) throw new UserError(`run directory ${runDir} already exists`)
    this.runDirs.set(runId, runDir)
    return info
  }

  async logParams(runId: string, params: Record<string, ParamValue>): Promise<void> {
    const entries = normalizeParams(params)
    const run = await this.activeRun(runId)
    for (const [key, value] of entries) {
      const file = this.layout.keyFile(path.join(run.dir, 'params'), key)
      if (await writeFileOnceIn(this.layout.root, file, value)) continue
      const old = await readFile(file, 'utf8')
      if (old !== value) {
        throw new UserError(`param '${key}' of run ${runId} is already '${old}': MLflow params cannot change (tried '${value}')`, {
          data: {errorCode: 'INVALID_PARAMETER_VALUE'},
        })
      }
    }
  }

  async logMetrics(runId: string, metrics: MetricInput[]): Promise<void> {
    const points = normalizeMetrics(metrics)
    const run = await this.activeRun(runId)
    const byKey = new Map<string, string[]>()
    for (const p of points) byKey.set(p.key, [...(byKey.get(p.key) ?? []), metricLine(p)])
    for (const [key, lines] of byKey) await appendMetricLines(this.layout.keyFile(path.join(run.dir, 'metrics'), key), lines)
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const entries = normalizeTags(tags)
    const run = await this.activeRun(runId)
    for (const [key, value] of entries) await writeFileAtomicIn(this.layout.root, this.layout.keyFile(path.join(run.dir, 'tags'), key), value)
    const runName = tags['mlflow.runName']
    // MLflow keeps meta's run_name and the mlflow.runName tag in sync.
    if (runName !== undefined && runName !== run.info.runName) await this.updateRunMeta(runId, info => ({...info, runName}))
  }

  async endRun(runId: string, status: TerminalRunStatus, endTime = Date.now()): Promise<void> {
    await this.updateRunMeta(runId, info => ({...info, status, endTime}))
  }

  async getRun(runId: string): Promise<Run> {
    const run = await this.locateRun(runId)
    return this.readRun(run)
  }

  async searchRuns(experimentIds: string[], filter: RunFilter = {}): Promise<Run[]> {
    const runs: Run[] = []
    for (const experimentId of experimentIds) {
      const {dir} = await this.findExperiment(experimentId)
      for (const name of await subdirs(dir)) {
        if (RESERVED_EXPERIMENT_SUBDIRS.has(name)) continue
        const metaFile = path.join(dir, name, META_FILE)
        const meta = await readYamlMapping(metaFile)
        if (!meta) continue
        const info = runFromMeta(meta, metaFile)
        if (info.lifecycleStage !== 'active' || info.runId !== name || info.experimentId !== experimentId) continue
        this.runDirs.set(info.runId, path.join(dir, name))
        if (filter.statuses && !filter.statuses.includes(info.status)) continue
        const run = await this.readRun({info, dir: path.join(dir, name), metaFile})
        if (matches(run, filter)) runs.push(run)
      }
    }
    return runs.sort((a, b) => b.info.startTime - a.info.startTime)
  }

  async logArtifacts(runId: string, localDir: string, artifactPath = ''): Promise<void> {
    checkArtifactPath(artifactPath, `artifact path of run ${runId}`)
    const run = await this.activeRun(runId)
    const artifactRoot = this.localArtifactRoot(run.info)
    const source = await stat(localDir).catch(() => undefined)
    if (!source) throw new UserError(`cannot log artifacts: ${localDir} does not exist`)
    const target = path.join(artifactRoot, ...artifactPath.split('/').filter(Boolean))
    if (source.isFile()) {
      await this.placeFile(localDir, path.join(target, path.basename(localDir)))
      return
    }
    if (!(await exists(target))) {
      // A new artifact folder appears complete or not at all.
      const staged = await stage(this.layout.root, tmp => cp(localDir, tmp, {recursive: true}))
      try {
        await mkdir(path.dirname(target), {recursive: true})
        await rename(staged, target)
        crashPoint(`publish ${target}`)
      } finally {
        await unstage(this.layout.root, staged)
      }
      return
    }
    for (const key of await listKeys(localDir)) await this.placeFile(path.join(localDir, ...key.split('/')), path.join(target, ...key.split('/')))
  }

  private async placeFile(from: string, to: string): Promise<void> {
    const staged = await stage(this.layout.root, tmp => cp(from, tmp))
    try {
      await mkdir(path.dirname(to), {recursive: true})
      await rename(staged, to)
      crashPoint(`publish ${to}`)
    } finally {
      await unstage(this.layout.root, staged)
    }
  }

  async downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string> {
    checkArtifactPath(artifactPath, `artifact path of run ${runId}`)
    const run = await this.locateRun(runId)
    const source = path.join(this.localArtifactRoot(run.info), ...artifactPath.split('/').filter(Boolean))
    const s = await stat(source).catch(() => undefined)
    if (!s) throw new NotFoundError(`artifact '${artifactPath}' not found in run ${runId} (${source})`)
    const dest = artifactPath ? path.join(destDir, ...artifactPath.split('/')) : destDir
    if (s.isDirectory()) await writeDirAtomic(dest, async dir => cp(source, dir, {recursive: true}))
    else await writeFileAtomic(dest, await readFile(source))
    return dest
  }

  /** The local folder behind a run's artifact URI; artifacts kept elsewhere cannot be reached from a file store. */
  private localArtifactRoot(info: RunInfo): string {
    if (!info.artifactUri.startsWith('file:')) {
      throw new UserError(`run ${info.runId} keeps its artifacts at ${info.artifactUri}, which a file store cannot reach: use the MLflow server that wrote it as the tracking URI`)
    }
    return fileUriToPath(info.artifactUri)
  }

  private async readRun(run: LocatedRun): Promise<Run> {
    const metricsDir = path.join(run.dir, 'metrics')
    const metrics: Record<string, number> = {}
    for (const key of await listKeys(metricsDir)) {
      const latest = latestPoint(await readMetricFile(path.join(metricsDir, ...key.split('/'))))
      if (latest) metrics[key] = latest.value
    }
    return {
      info: run.info,
      data: {metrics, params: await readValueDir(path.join(run.dir, 'params')), tags: await readValueDir(path.join(run.dir, 'tags'))},
    }
  }

  private async activeRun(runId: string): Promise<LocatedRun> {
    const run = await this.locateRun(runId)
    if (run.info.lifecycleStage !== 'active') throw new UserError(`run ${runId} is deleted: MLflow accepts writes only to active runs`)
    return run
  }

  private async locateRun(runId: string): Promise<LocatedRun> {
    validateRunId(runId)
    const dir = await this.findRunDir(runId)
    const metaFile = path.join(dir, META_FILE)
    const meta = await readYamlMapping(metaFile)
    if (!meta) {
      this.runDirs.delete(runId)
      throw new NotFoundError(`run '${runId}' not found in ${this.uri}`)
    }
    const info = runFromMeta(meta, metaFile)
    if (info.experimentId !== path.basename(path.dirname(dir))) {
      throw new UserError(`${metaFile}: experiment_id '${info.experimentId}' does not match its experiment folder '${path.basename(path.dirname(dir))}'`)
    }
    return {info, dir, metaFile}
  }

  /** Run ids are unique across the store: MLflow finds a run by scanning every experiment, trash included. */
  private async findRunDir(runId: string): Promise<string> {
    const cached = this.runDirs.get(runId)
    if (cached && (await exists(path.join(cached, META_FILE)))) return cached
    for (const parent of [this.layout.root, this.layout.trash]) {
      for (const id of await subdirs(parent)) {
        if (parent === this.layout.root && (id === TRASH_DIR || id === MODELS_DIR)) continue
        const dir = path.join(parent, id, runId)
        if (await exists(path.join(dir, META_FILE))) {
          this.runDirs.set(runId, dir)
          return dir
        }
      }
    }
    throw new NotFoundError(`run '${runId}' not found in ${this.uri}`)
  }

  /** Rewrites a run's meta.yaml under the writer lock, keeping keys MLflow may have added (e.g. deleted_time). */
  private async updateRunMeta(runId: string, change: (info: RunInfo) => RunInfo): Promise<void> {
    await this.store.locked(async () => {
      const run = await this.locateRun(runId)
      const raw = (await readYamlMapping(run.metaFile)) ?? {}
      const next = {...raw, ...runToMeta(change(run.info))}
      await writeFileAtomicIn(this.layout.root, run.metaFile, dumpMlflowYaml(next))
    })
  }
}

/** New experiment ids are random 18-digit decimals without a leading zero, like MLflow ≥ 2.0. */
function randomExperimentId(): string {
  let id = String(randomInt(1, 10))
  for (let i = 0; i < 17; i++) id += String(randomInt(0, 10))
  return id
}

/** Sub-directory names, skipping sentiops' own dot-named staging entries; a missing folder has none. */
async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, {withFileTypes: true})
    return entries.filter(e => e.isDirectory() && e.name !== STAGING_DIR && !e.name.startsWith(LEGACY_STAGING_PREFIX)).map(e => e.name).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw error
  }
}

function matches(run: Run, filter: RunFilter): boolean {
  for (const [key, value] of Object.entries(filter.tags ?? {})) if (run.data.tags[key] !== value) return false
  for (const [key, value] of Object.entries(filter.params ?? {})) if (run.data.params[key] !== value) return false
  return true
}
