import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {UsageError} from '../core/errors.js'
import {comparisonMarkdown, comparisonTable} from '../core/evaluation/compare-format.js'
import {runCompare} from '../core/stages/compare.js'

export default class Compare extends BaseCommand<typeof Compare> {
  static override summary = 'Score two models on the same labeled texts: differences with paired-bootstrap intervals and McNemar\'s test.'
  static override description = [
    'A is the reference (e.g. the champion), B the challenger; both are bundle directories or models:/ URIs. Both predict every text of --data, read as given (duplicates kept, empty texts scored and counted, a label that maps to no class is an error) with the ingest.* column and label mapping (default: the held-out split). Each model decides with its own stored threshold, as it does in predict and serve (evaluate.threshold does not apply).',
    'For accuracy, f1, roc_auc, macro_f1 and log_loss it prints A, B, delta = B − A (positive: B scores higher; for log_loss lower is better, so a negative delta favours B) and the paired-bootstrap percentile interval of the delta (compare.resamples resamples of the texts, the same for both models, seeded by compare.seed, at compare.confidence). An interval is shown as n/a, with the reason, when fewer than 90% of the resamples define the metric. McNemar\'s exact test on per-text correctness gives the two-sided p-value of "A and B are equally accurate", and the one-sided p of "B is more accurate" (the one the register gate uses). An interval that excludes 0 or p < 0.05 means the difference is unlikely to be noise.',
    '--json prints {"status": "ok", "result": {"deltas": {"accuracy": {"a", "b", "delta", "ci": [lo, hi], "confidence": 0.95, "ci95": [lo, hi], "resamples_used"}, ...}, "mcnemar_p", "mcnemar": {"b", "c", "p", "p_one_sided"}, "n", "data": {"source", "md5", "n"}, "models", ...}, "warnings": [...]}; "ci95" is named after compare.confidence (ci90 at 0.9), "ci" and "confidence" are there whatever it is. --md prints a Markdown table for a pull-request comment, naming the data, its md5 and n.',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> models:/sentiment@champion models/model --data golden.csv',
    '<%= config.bin %> <%= command.id %> models:/sentiment/3 models:/sentiment/4 --data test.csv --md > comment.md',
    '<%= config.bin %> <%= command.id %> models/old models/new --data reviews.jsonl --set compare.resamples=5000 --json',
  ]
  static override args = {
    // Checked in run(): oclif's own "missing arg" message spans several lines.
    a: Args.string({description: 'reference model (bundle directory or models:/ URI; required)'}),
    b: Args.string({description: 'challenger model (bundle directory or models:/ URI; required)'}),
  }
  static override flags = {
    data: Flags.string({description: 'labeled data both models are scored on, as given (file, glob, list, URL, s3://; default: the held-out split)'}),
    md: Flags.boolean({description: 'print a Markdown table (for a CI comment)', default: false, exclusive: ['json']}),
    'tracking-uri': Flags.string({description: 'tracking store models:/ URIs resolve through (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
    set: setFlag,
  }

  async run() {
    const {a, b} = this.args
    if (a === undefined || b === undefined) {
      throw new UsageError(`compare needs two models, A (the reference) and B (the challenger); got ${a === undefined ? 'none' : `only '${a}'`}`, {
        suggestions: [
          'e.g. sentiops compare models:/sentiment@champion models/model --data golden.csv',
          ...(this.flags.set.length > 0 ? ['give A and B before --set: --set takes every value that follows it'] : []),
        ],
      })
    }
    const {params} = await this.loadParams(this.flags.set)
    const result = await runCompare(params, {a, b, data: this.flags.data, cwd: process.cwd(), reporter: this.reporter, trackingUri: this.flags['tracking-uri']})
    const label = (m: typeof result.models.a) => (m.name ? `${m.uri} (version ${m.version})` : m.uri)
    if (this.flags.md) {
      process.stdout.write(comparisonMarkdown(result, {a: label(result.models.a), b: label(result.models.b)}, result.data))
    } else {
      this.log(`A = ${label(result.models.a)}`)
      this.log(`B = ${label(result.models.b)}`)
      this.log(`data: ${result.data.source} (${result.n} texts, md5 ${result.data.md5})`)
      for (const line of comparisonTable(result)) this.log(line)
    }
    return result
  }
}
