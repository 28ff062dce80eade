import {createWriteStream} from 'node:fs'
import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {UsageError} from '../core/errors.js'
import {openModel} from '../core/model-source.js'
import {predictStream, toRecord} from '../core/stages/predict.js'

export default class Predict extends BaseCommand<typeof Predict> {
  static override summary = 'Predict the sentiment of texts with a model bundle or a registered model.'
  static override description = `Give --text (repeatable) for a few texts, or --input FILE|- to stream CSV/TSV/JSON/JSONL
(column "text", or --text-column) and get JSON lines (label, score, probabilities) on --output FILE|- (default
stdout). The same bundle.predict code path as \`sentiops serve\` answers, so results are identical.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --text "a gorgeous, witty film" --text "dull and far too long"',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --input reviews.csv --output predictions.jsonl',
    'cat reviews.jsonl | <%= config.bin %> <%= command.id %> --input - --format jsonl',
  ]
  static override flags = {
    model: Flags.string({description: 'bundle directory or models:/name@alias, models:/name/Stage, models:/name/3, runs:/id/model (default: train.model_dir)', env: 'SENTIOPS_MODEL'}),
    text: Flags.string({description: 'a text to classify (repeatable)', multiple: true, exclusive: ['input']}),
    input: Flags.string({description: 'file of texts, or - for stdin'}),
    output: Flags.string({description: 'where to write JSON lines (file or -)', default: '-'}),
    format: Flags.string({description: 'input format (default: by extension; stdin: jsonl)', options: ['auto', 'csv', 'tsv', 'json', 'jsonl']}),
    'text-column': Flags.string({description: 'column or field holding the text', default: 'text'}),
    'batch-size': Flags.integer({description: 'texts per batch', default: 512, min: 1}),
  }

  async run() {
    const {params} = await this.loadParams()
    const {bundle, source} = await openModel(this.flags.model ?? params.train.model_dir, {cwd: process.cwd(), reporter: this.reporter})
    if (this.flags.text?.length) {
      const predictions = bundle.predict(this.flags.text).map(p => toRecord(p))
      if (!this.jsonEnabled()) for (const p of predictions) this.log(JSON.stringify(p))
      return {model: source, predictions}
    }
    if (!this.flags.input) throw new UsageError('give --text "..." or --input FILE (or - for stdin)')
    const input = this.flags.input === '-' ? process.stdin : this.flags.input
    const format = (this.flags.format ?? (this.flags.input === '-' ? 'jsonl' : 'auto')) as 'auto'
    const toStdout = this.flags.output === '-'
    if (toStdout && this.jsonEnabled()) throw new UsageError('--json with --input needs --output FILE: stdout carries the JSON result')
    const out = toStdout ? process.stdout : createWriteStream(this.flags.output)
    const result = await predictStream(bundle, input, out, {format, textColumn: this.flags['text-column'], batchSize: this.flags['batch-size'], reporter: this.reporter})
    if (!toStdout) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())))
    this.reporter.info(`predict: ${result.count} texts in ${result.seconds.toFixed(2)} s (${Math.round(result.count / Math.max(result.seconds, 1e-9))} texts/s)`)
    return {model: source, count: result.count, output: this.flags.output, seconds: result.seconds}
  }
}
