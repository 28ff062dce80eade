import {Args, Flags} from '@oclif/core'

/** Flags of the commands that record an MLflow run (train, evaluate). */
export const trackingFlags = {
  track: Flags.boolean({description: 'record an MLflow run (params, metrics, model) in the tracking store; --no-track to skip (also SENTIOPS_TRACKING=off)', allowNo: true}),
  'tracking-uri': Flags.string({description: 'tracking store: ./mlruns (default), file:///abs/path or http(s)://mlflow-server', env: 'MLFLOW_TRACKING_URI'}),
  experiment: Flags.string({description: 'experiment name (default: MLFLOW_EXPERIMENT_NAME, else Default)'}),
  'run-name': Flags.string({description: 'name of the run (default: a generated one)'}),
}

/** The flag of the commands that read or change the model registry (models list/show/versions/promote/alias). */
export const registryFlags = {
  'tracking-uri': Flags.string({description: 'tracking store: a directory (./mlruns), file:///abs/path or http(s)://mlflow-server (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
}

/** The registered model a `models` subcommand works on. */
export const modelNameArgs = {
  name: Args.string({description: 'registered model name', required: true}),
}
