/**
 * A DVC-compatible pipeline runner: reads dvc.yaml, decides which stages changed by DVC 3's rules, runs them,
 * and writes dvc.lock and the DVC cache exactly as DVC 3 would, so `dvc repro`/`dvc status` and
 * `sentiops repro` agree on what is up to date.
 */
export {reproduce, reproUpToDate, commandLines, StageFailedError, type ReproduceOptions, type UpToDateOptions} from './reproduce.js'
export {loadPipeline, validatePipelineText, PIPELINE_FILE, type LoadPipelineOptions} from './dvcyaml.js'
export {buildGraph, planStages, type StageGraph, type PlanOptions} from './graph.js'
export {hashFile, hashDir, dirListingJson, pythonJsonString, Hasher, type PathDigest, type FileDigest, type DirDigest} from './hash.js'
export {Lockfile, LOCK_FILE, buildLockEntry, renderLock, writeLockEntry, type LockEntry, type LockedPath} from './lock.js'
export {DvcCache} from './cache.js'
export {createShellRunner, shellRunner, shellInvocation, StageCommandError, type ShellRunnerOptions} from './runner.js'
export type {Pipeline, Stage, StageOut, StageParams, StagePlan, StageRunner, ReproResult, StageStatus, OutKind} from './types.js'
