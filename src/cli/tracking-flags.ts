import {Flags} from '@oclif/core'

/** Flags of the commands that record an MLflow run (train, evaluate). */
export const trackingFlags = {
  track: Flags.boolean({description: 'record an MLflow run (params, metrics, model) in the tracking store; --no-track to skip (also SENTIOPS_TRACKING=off)', allowNo: true}),
  'tracking-uri': Flags.string({description: 'tracking store: ./mlruns (default), file:///abs/path or http(s)://mlflow-server', env: 'MLFLOW_TRACKING_URI'}),
  experiment: Flags.string({description: 'experiment name (default: MLFLOW_EXPERIMENT_NAME, else Default)'}),
  'run-name': Flags.string({description: 'name of the run (default: a generated one)'}),
}
