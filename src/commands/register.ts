import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {UsageError} from '../core/errors.js'
import {openStores, registerModel, type RegisterResult} from '../core/tracking/index.js'

export default class Register extends BaseCommand<typeof Register> {
  static override summary = 'Register a model as a new version in the model registry, then promote it if the gate passes.'
  static override description = [
    'Creates the registered model when missing and a new version from a run\'s "model" artifact (--run-id) or from a bundle directory (--model-dir, default train.model_dir), which is first logged as a new run.',
    'The version then moves to --stage and/or gets --alias, unless the promotion gate rejects it: every --gate rule ("f1>=0.80"; ops >=, >, <=, <, ==) must hold, and with --against the candidate must beat that model by --min-delta on --metric (default: the first gate\'s metric). A rejected version stays registered, tagged sentiops.gate=rejected with the reason, and the command exits 3. --force --reason "..." promotes anyway and records why.',
    'Defaults come from the register section of params.yaml. The store is --tracking-uri, else MLFLOW_TRACKING_URI, else ./mlruns (MLflow\'s file layout; a real `mlflow ui --backend-store-uri ./mlruns` shows it).',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> --model-dir models/model --name sentiment --alias champion',
    '<%= config.bin %> <%= command.id %> --run-id 3fb393e51e434b498c23eb3cecdf92b9 --stage Staging --gate "f1>=0.80" --gate "accuracy>=0.78"',
    '<%= config.bin %> <%= command.id %> --alias champion --gate "f1>=0.8" --against models:/sentiment@champion --min-delta 0.005',
    '<%= config.bin %> <%= command.id %> --alias champion --against models:/sentiment@champion --metric f1 --force --reason "hotfix for a tokenizer bug" --json',
  ]
  static override flags = {
    'run-id': Flags.string({description: 'register the "model" artifact of this run', exclusive: ['model-dir']}),
    'model-dir': Flags.string({description: 'register this bundle directory, logged as a new run (default: train.model_dir)'}),
    name: Flags.string({description: 'registered model name (register.model_name)'}),
    stage: Flags.string({description: 'move the version to this stage: None, Staging, Production, Archived (register.stage)'}),
    alias: Flags.string({description: 'point this alias at the version, e.g. champion (register.alias)'}),
    'archive-existing': Flags.boolean({description: 'archive the versions already in --stage (register.archive_existing)', allowNo: true}),
    gate: Flags.string({description: 'promotion rule METRIC OP NUMBER, e.g. "f1>=0.80" (repeatable; register.gates)', multiple: true}),
    against: Flags.string({description: 'the candidate must beat this model, e.g. models:/sentiment@champion (register.against)'}),
    'min-delta': Flags.string({description: 'required improvement over --against (register.min_delta)'}),
    metric: Flags.string({description: 'metric compared with --against (default: the first --gate metric)'}),
    force: Flags.boolean({description: 'promote even if the gate rejects (needs --reason)', default: false}),
    reason: Flags.string({description: 'why --force overrides the gate (recorded on the version)'}),
    'metrics-file': Flags.string({description: 'candidate metrics JSON (default with --model-dir: evaluate.metrics_file when it exists)'}),
    experiment: Flags.string({description: 'experiment of the run logged for --model-dir', default: 'Default'}),
    'tracking-uri': Flags.string({description: 'tracking store: a directory (./mlruns), file:///abs/path or http(s)://mlflow-server (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
  }

  async run(): Promise<RegisterResult> {
    const {params} = await this.loadParams()
    const defaults = params.register
    const f = this.flags
    const minDelta = f['min-delta'] === undefined ? defaults.min_delta : Number(f['min-delta'])
    if (!Number.isFinite(minDelta)) throw new UsageError(`--min-delta must be a number (got '${f['min-delta']}')`)
    const fromDir = f['run-id'] === undefined
    const metricsFile = f['metrics-file'] ? {path: f['metrics-file'], required: true} : fromDir ? {path: params.evaluate.metrics_file, required: false} : undefined
    const result = await registerModel({
      stores: openStores({trackingUri: f['tracking-uri'], cwd: process.cwd(), reporter: this.reporter}),
      name: f.name ?? defaults.model_name,
      runId: f['run-id'],
      bundleDir: fromDir ? (f['model-dir'] ?? params.train.model_dir) : undefined,
      experiment: f.experiment,
      stage: f.stage ?? defaults.stage,
      alias: f.alias ?? (defaults.alias || undefined),
      archiveExisting: f['archive-existing'] ?? defaults.archive_existing,
      gates: f.gate && f.gate.length > 0 ? f.gate : defaults.gates,
      against: f.against ?? (defaults.against || undefined),
      metric: f.metric,
      minDelta,
      force: f.force,
      reason: f.reason,
      metricsFile,
      cwd: process.cwd(),
      reporter: this.reporter,
    })
    this.log(`registered ${result.uri} from run ${result.runId}${result.modelCreated ? ` (new registered model '${result.name}')` : ''}`)
    this.log(`  source: ${result.source}`)
    if (result.gate.verdict !== 'none') {
      this.log(`  gate: ${result.gate.verdict}${result.gate.forcedReason ? ` (forced: ${result.gate.forcedReason})` : ''}`)
      for (const check of result.gate.checks) this.log(`    ${check.passed ? 'ok  ' : 'FAIL'} ${check.message}`)
    }
    this.log(`  stage: ${result.stage}   aliases: ${result.aliases.length > 0 ? result.aliases.join(', ') : '-'}`)
    return result
  }
}
