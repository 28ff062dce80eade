import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {modelFlag} from '../cli/flags.js'
import {UsageError} from '../core/errors.js'
import {openModel} from '../core/model-source.js'

const MAX_TOP_K = 100

export default class Explain extends BaseCommand<typeof Explain> {
  static override summary = 'Explain one prediction: which words pushed the text towards or away from its label.'
  static override description = `Predicts TEXT with the model and lists the tokens (after preprocessing) that contributed most to the
predicted class. For lr and mnb the contributions are exact (coefficient × feature value, or per-token
log-likelihood ratio) and add up with the bias to the log-odds of the predicted class (with more than two
classes: against the mean of the others); for tree models (rf, gb, xgb) each is the change in log-odds when
that token is left out of the text (occlusion), and the bias is 0.
The same computation answers POST /explain of \`sentiops serve\`.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> "A gorgeous, witty film that never drags."',
    '<%= config.bin %> <%= command.id %> "dull and far too long" --model models:/sentiment@champion --top-k 5 --json',
  ]
  static override args = {
    text: Args.string({description: 'the text to explain', required: true}),
  }
  static override flags = {
    model: modelFlag('train.model_dir'),
    'top-k': Flags.integer({description: 'tokens to list on each side', default: 10, min: 1, max: MAX_TOP_K}),
  }

  async run() {
    const {params} = await this.loadParams()
    const text = this.args.text
    if (text.trim() === '') throw new UsageError('TEXT is empty: give the text to explain, e.g. sentiops explain "a witty film"')
    const {bundle, source} = await openModel(this.flags.model ?? params.train.model_dir, {cwd: process.cwd(), reporter: this.reporter})
    const explanation = bundle.explain(text, this.flags['top-k'])

    this.log(`${explanation.label} (score ${explanation.score.toFixed(4)}, ${explanation.method} contributions to "${explanation.target}")`)
    this.log(`  processed: ${explanation.processed || '(nothing left after preprocessing: the class prior answers)'}`)
    this.log(`  bias: ${formatSigned(explanation.bias)}`)
    const width = Math.max(8, ...[...explanation.positive, ...explanation.negative].map(t => t.token.length))
    this.log(`  towards ${explanation.target}:`)
    for (const t of explanation.positive) this.log(`    ${t.token.padEnd(width)}  ${formatSigned(t.contribution)}`)
    if (explanation.positive.length === 0) this.log('    (none)')
    this.log(`  against ${explanation.target}:`)
    for (const t of explanation.negative) this.log(`    ${t.token.padEnd(width)}  ${formatSigned(t.contribution)}`)
    if (explanation.negative.length === 0) this.log('    (none)')
    return {model: source, ...explanation}
  }
}

function formatSigned(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(4)}`
}
