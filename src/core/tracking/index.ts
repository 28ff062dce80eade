/** Experiment tracking and the model registry: MLflow's file layout (./mlruns) or an MLflow server over REST. */
export type {
  CreateRunOptions, Experiment, LifecycleStage, MetricInput, ModelRegistry, ModelVersion, ModelVersionStatus, ParamValue,
  RegisteredModel, Run, RunData, RunFilter, RunInfo, RunStatus, Stage, Stores, TerminalRunStatus, TrackingStore,
} from './store.js'
export {RUN_STATUSES, STAGES} from './store.js'
export {AlreadyExistsError, NotFoundError, isAlreadyExists, isNotFound} from './errors.js'
export {openStores, DEFAULT_TRACKING_URI, type OpenStoresOptions} from './open.js'
export {parseModelUri, formatModelUri, parseTrackingUri, maskUri, type ModelUri} from './uri.js'
export {resolveModel, findVersion, type ResolvedModel, type ResolveOptions} from './resolve.js'
export {
  withRun, runHandle, logModel, standardRunTags, type RunHandle, type WithRunOptions, DEFAULT_MODEL_ARTIFACT_PATH, LOG_MODEL_HISTORY_TAG,
} from './run-context.js'
export {flattenParams} from './inputs.js'
export {registerModel, readMetricsFile, GATE_TAG, GATE_REASON_TAG, GATE_FORCED_REASON_TAG, type RegisterOptions, type RegisterResult, type GateVerdict} from './register.js'
export {parseGate, checkThresholds, checkComparison, type Gate, type GateOp, type Check, type GateCheck, type ComparisonCheck} from './gate.js'
export {normalizeStage, validateAlias, validateModelName} from './names.js'
export {renderTable, renderVersionTable, formatTimestamp} from './format.js'
