import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import type {Params} from '../core/config/params.js'
import {GateRejectedError, UsageError} from '../core/errors.js'
import {loadEvaluationData} from '../core/stages/evaluate.js'
import {setFlag} from '../cli/flags.js'
import {openStores, registerModel, type Check, type RegisterResult} from '../core/tracking/index.js'
import type {SignificanceOptions} from '../core/tracking/register.js'

export default class Register extends BaseCommand<typeof Register> {
  static override summary = 'Register a model as a new version in the model registry, then promote it if the gate passes.'
  static override description = [
    'Creates the registered model when missing and a new version from a run\'s "model" artifact (--run-id) or from a bundle directory (--model-dir, default train.model_dir), which is first logged as a new run.',
    'The version then moves to --stage and/or gets --alias, unless the promotion gate rejects it: every --gate rule ("f1>=0.80"; ops >=, >, <=, <, ==) must hold, and with --against the candidate must beat that model by --min-delta on --metric (default: the first gate\'s metric; accuracy with --significance). A rejected version stays registered, tagged sentiops.gate=rejected with the reason, and the command exits 3. --force --reason "..." promotes anyway and records why.',
    'With --data and --significance α, the candidate and the --against model are both scored on the same labeled texts (read as given with the ingest.* mapping; each model decides with its own stored threshold, as it serves) and the comparison is a one-sided paired test at level α instead of two single numbers: on accuracy (the default --metric with --significance) McNemar\'s exact one-sided test must give p = P(X ≥ c | b + c, ½) < α, where c counts the texts only the candidate gets right and b those only the reference gets right; on f1, roc_auc, macro_f1 or log_loss the one-sided (1 − α) lower confidence bound of the gain (the lower end of the (1 − 2α) paired-bootstrap interval: for α = 0.05, the 95% lower bound is the lower end of the 90% interval; compare.resamples resamples, compare.seed) must exceed --min-delta. A negative --min-delta turns the test into non-inferiority: the lower bound of the gain must stay above that margin, on any metric. The verdict line names the test used; a rejection prints the comparison table (its CI column is the two-sided compare.confidence interval) and exits 3. --set compare.resamples=5000 (or compare.seed) changes the bootstrap for this run.',
    '--json prints {"status": "ok", "result": {name, version, uri, runId, stage, aliases, promoted, gate: {verdict, checks}}, "warnings": [...]}; a rejection prints {"status": "error", "error": {..., "data": {"result": ...}}}.',
    'Defaults come from the register section of params.yaml. The store is --tracking-uri, else MLFLOW_TRACKING_URI, else ./mlruns (MLflow\'s file layout; a real `mlflow ui --backend-store-uri ./mlruns` shows it).',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> --model-dir models/model --name sentiment --alias champion',
    '<%= config.bin %> <%= command.id %> --run-id 3fb393e51e434b498c23eb3cecdf92b9 --stage Staging --gate "f1>=0.80" --gate "accuracy>=0.78"',
    '<%= config.bin %> <%= command.id %> --alias champion --gate "f1>=0.8" --against models:/sentiment@champion --min-delta 0.005',
    '<%= config.bin %> <%= command.id %> --alias champion --against models:/sentiment@champion --data golden.csv --significance 0.05',
    '<%= config.bin %> <%= command.id %> --alias champion --against models:/sentiment@champion --data golden.csv --significance 0.05 --metric f1 --min-delta=-0.01',
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
    'min-delta': Flags.string({description: 'required improvement over --against (register.min_delta); negative with --significance: non-inferiority margin (write --min-delta=-0.01)'}),
    data: Flags.string({description: 'labeled data both the candidate and --against are scored on for the paired test (register.data)'}),
    significance: Flags.string({description: 'significance level α of the paired test, e.g. 0.05 (register.significance; 0 = compare logged metrics)'}),
    metric: Flags.string({description: 'metric compared with --against (default: accuracy with --significance, else the first --gate metric)'}),
    set: setFlag,
    force: Flags.boolean({description: 'promote even if the gate rejects (needs --reason)', default: false}),
    reason: Flags.string({description: 'why --force overrides the gate (recorded on the version)'}),
    'metrics-file': Flags.string({description: 'candidate metrics JSON (default with --model-dir: evaluate.metrics_file when it exists)'}),
    experiment: Flags.string({description: 'experiment of the run logged for --model-dir', default: 'Default'}),
    'tracking-uri': Flags.string({description: 'tracking store: a directory (./mlruns), file:///abs/path or http(s)://mlflow-server (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
  }

  async run(): Promise<RegisterResult> {
    const {params} = await this.loadParams(this.flags.set)
    const defaults = params.register
    const f = this.flags
    const minDelta = f['min-delta'] === undefined ? defaults.min_delta : Number(f['min-delta'])
    if (!Number.isFinite(minDelta)) throw new UsageError(`--min-delta must be a number (got '${f['min-delta']}')`)
    const significance = await this.significance(params)
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
      significance,
      force: f.force,
      reason: f.reason,
      metricsFile,
      cwd: process.cwd(),
      reporter: this.reporter,
    }).catch(error => {
      const rejected = error instanceof GateRejectedError ? (error.data?.result as RegisterResult | undefined) : undefined
      if (rejected) this.logChecks(rejected.gate.checks)
      throw error
    })
    this.log(`registered ${result.uri} from run ${result.runId}${result.modelCreated ? ` (new registered model '${result.name}')` : ''}`)
    this.log(`  source: ${result.source}`)
    if (result.gate.verdict !== 'none') {
      this.log(`  gate: ${result.gate.verdict}${result.gate.forcedReason ? ` (forced: ${result.gate.forcedReason})` : ''}`)
      this.logChecks(result.gate.checks)
    }
    this.log(`  stage: ${result.stage}   aliases: ${result.aliases.length > 0 ? result.aliases.join(', ') : '-'}`)
    return result
  }

  private logChecks(checks: Check[]) {
    for (const check of checks) {
      this.log(`    ${check.passed ? 'ok  ' : 'FAIL'} ${check.message}`)
      if (check.kind === 'significance') for (const line of check.figures) this.log(`         ${line}`)
    }
  }

  /** The paired-test options when a significance level and --against are set; the data is read up front. */
  private async significance(params: Params): Promise<SignificanceOptions | undefined> {
    const f = this.flags
    const alpha = f.significance === undefined ? params.register.significance : Number(f.significance)
    if (!Number.isFinite(alpha) || alpha < 0 || alpha >= 0.5) throw new UsageError(`--significance must be a level in [0, 0.5), e.g. 0.05 (got '${f.significance}')`)
    const data = f.data ?? (params.register.data || undefined)
    const against = f.against ?? (params.register.against || undefined)
    if (alpha === 0) {
      if (f.data !== undefined) throw new UsageError('--data is the data of the paired test: add --significance, e.g. --significance 0.05')
      return undefined
    }
    if (!against) {
      if (f.significance !== undefined) throw new UsageError('--significance needs --against, the model to beat (e.g. models:/sentiment@champion)')
      return undefined
    }
    if (!data) throw new UsageError('--significance needs --data, the labeled texts both models are scored on')
    const cwd = process.cwd()
    return {alpha, data: await loadEvaluationData(params, data, {cwd, reporter: this.reporter}), compare: params.compare}
  }
}
