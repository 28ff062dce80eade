import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {comparisonMarkdown, comparisonTable} from '../core/evaluation/compare-format.js'
import {runCompare} from '../core/stages/compare.js'

export default class Compare extends BaseCommand<typeof Compare> {
  static override summary = 'Score two models on the same labeled texts: differences with paired-bootstrap intervals and McNemar\'s test.'
  static override description = `A is the reference (e.g. the champion), B the challenger; both are bundle directories or models:/ URIs.
Both predict every text of --data (read with the ingest.* column and label mapping; default the held-out split),
each with its own decision threshold. For accuracy, f1, roc_auc, macro_f1 and log_loss it prints A, B,
delta = B − A (positive: B scores higher; for log_loss lower is better, so a negative delta favours B) and the
paired-bootstrap percentile interval of the delta (compare.resamples resamples of the texts, the same for both
models, seeded by compare.seed, at compare.confidence). McNemar's exact test on per-text correctness gives
the p-value of "A and B are equally accurate". An interval that excludes 0 or p < 0.05 means the difference is
unlikely to be noise.

--json prints {deltas: {accuracy: {a, b, delta, ci95: [lo, hi]}, ...}, mcnemar_p, mcnemar: {b, c, p}, n, ...};
--md prints a Markdown table for a pull-request comment.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> models:/sentiment@champion models/model --data golden.csv',
    '<%= config.bin %> <%= command.id %> models:/sentiment/3 models:/sentiment/4 --data test.csv --md > comment.md',
    '<%= config.bin %> <%= command.id %> models/old models/new --data reviews.jsonl --set compare.resamples=5000 --json',
  ]
  static override args = {
    a: Args.string({description: 'reference model (bundle directory or models:/ URI)', required: true}),
    b: Args.string({description: 'challenger model (bundle directory or models:/ URI)', required: true}),
  }
  static override flags = {
    data: Flags.string({description: 'labeled data both models are scored on (file, glob, URL, s3://; default: the held-out split)'}),
    md: Flags.boolean({description: 'print a Markdown table (for a CI comment)', default: false, exclusive: ['json']}),
    'tracking-uri': Flags.string({description: 'tracking store models:/ URIs resolve through (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
    set: setFlag,
  }

  async run() {
    const {params} = await this.loadParams(this.flags.set)
    const result = await runCompare(params, {a: this.args.a, b: this.args.b, data: this.flags.data, cwd: process.cwd(), reporter: this.reporter, trackingUri: this.flags['tracking-uri']})
    const label = (m: typeof result.models.a) => (m.name ? `${m.uri} (version ${m.version})` : m.uri)
    if (this.flags.md) {
      process.stdout.write(comparisonMarkdown(result, {a: label(result.models.a), b: label(result.models.b)}))
    } else {
      this.log(`A = ${label(result.models.a)}`)
      this.log(`B = ${label(result.models.b)}`)
      this.log(`data: ${result.data.source} (${result.n} texts)`)
      for (const line of comparisonTable(result)) this.log(line)
    }
    return result
  }
}
