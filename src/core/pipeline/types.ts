/** Where a stage's output is declared in dvc.yaml; dvc.lock lists all three kinds under `outs`. */
export type OutKind = 'outs' | 'metrics' | 'plots'

export interface StageOut {
  /** As written in dvc.yaml (after interpolation), relative to the stage's wdir, POSIX. */
  path: string
  kind: OutKind
  /** Stored in the DVC cache and git-ignored (default true). */
  cache: boolean
  /** Not deleted before the stage runs (default false). */
  persist: boolean
}

/** One params file of a stage: specific dotted keys, or `null` for the whole file (all top-level keys). */
export interface StageParams {
  /** As written (default `params.yaml`), relative to the stage's wdir. */
  file: string
  keys: string[] | null
}

export interface Stage {
  /** The name in dvc.yaml and dvc.lock; generated stages look like `train@lr` or `train@lr-tfidf`. */
  name: string
  /** The foreach/matrix group a generated stage comes from. */
  group?: string
  /** Exactly as DVC stores it in dvc.lock: the interpolated string, or the list when dvc.yaml used a list. */
  cmd: string | string[]
  /** Working directory relative to the repository root, POSIX, `.` for the root. */
  wdir: string
  deps: string[]
  params: StageParams[]
  outs: StageOut[]
  frozen: boolean
  alwaysChanged: boolean
  desc?: string
  /**
   * Params-file values this stage read through `${}` (JSON-safe). DVC shows them in `dvc params diff` but does not
   * make them params deps in dvc.lock; a change to one still re-runs the stage when it changes the cmd or a path.
   */
  interpolated: Array<{file: string; key: string; value: unknown}>
}

export interface Pipeline {
  /** Absolute path of the directory holding dvc.yaml (the repository root). */
  root: string
  /** Absolute path of dvc.yaml. */
  file: string
  /** In dvc.yaml order, foreach/matrix groups expanded in place. */
  stages: Stage[]
}

/** How a pipeline stage's command line runs; throws on failure. */
export interface StageRunner {
  (cmdLine: string, ctx: {stage: string; cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal}): Promise<void>
}

export interface StagePlan {
  name: string
  willRun: boolean
  /** Why the stage must run, e.g. `dep data/raw/train.csv modified`, `param train.algorithm modified: lr -> mnb`. */
  reasons: string[]
}

export type StageStatus = 'ran' | 'skipped' | 'failed' | 'not-run'

export interface ReproResult {
  stages: Array<StagePlan & {status: StageStatus; seconds?: number}>
  /** Absolute path of dvc.lock. */
  lockFile: string
  /** Every stage was found up to date by the stat stamp of the last full check (no YAML parsed, nothing hashed). */
  fastCheck?: boolean
}
