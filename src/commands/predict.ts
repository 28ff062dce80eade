import {createWriteStream} from 'node:fs'
import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {modelFlag} from '../cli/flags.js'
import {UsageError} from '../core/errors.js'
import {type Bundle, loadBundle} from '../core/bundle/index.js'
import {type ModelSource, openModel, resolveModelSource} from '../core/model-source.js'
import {predictStream, toRecord} from '../core/stages/predict.js'
import {chooseWorkerCount, PredictPool} from '../core/stages/predict-pool.js'

export default class Predict extends BaseCommand<typeof Predict> {
  static override summary = 'Predict the sentiment of texts with a model bundle or a registered model.'
  static override description = `Give --text (repeatable) for a few texts, or --input FILE|- to stream CSV/TSV/JSON/JSONL
(column "text", or --text-column) and get JSON lines (label, score, probabilities) on --output FILE|- (default
stdout). The same bundle.predict code path as \`sentiops serve\` answers, so results are identical.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --text "a gorgeous, witty film" --text "dull and far too long"',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --input reviews.csv --output predictions.jsonl',
    '<%= config.bin %> <%= command.id %> --input big.csv --output predictions.jsonl --workers 3',
    'cat reviews.jsonl | <%= config.bin %> <%= command.id %> --input - --format jsonl',
  ]
  static override flags = {
    model: modelFlag('train.model_dir'),
    text: Flags.string({description: 'a text to classify (repeatable)', multiple: true, exclusive: ['input']}),
    input: Flags.string({description: 'file of texts, or - for stdin'}),
    output: Flags.string({description: 'where to write JSON lines (file or -)', default: '-'}),
    format: Flags.string({description: 'input format (default: by extension; stdin: jsonl)', options: ['auto', 'csv', 'tsv', 'json', 'jsonl']}),
    'text-column': Flags.string({description: 'column or field holding the text', default: 'text'}),
    'batch-size': Flags.integer({description: 'texts per batch', default: 512, min: 1}),
    workers: Flags.integer({description: 'worker threads predicting alongside the main one (default: one per extra core for files of 8 MiB or more, 0 for smaller files and stdin)', min: 0}),
  }

  async run() {
    const {params} = await this.loadParams()
    const uri = this.flags.model ?? params.train.model_dir
    if (!this.flags.text?.length) return this.predictFile(uri)
    const {bundle, source} = await openModel(uri, {cwd: process.cwd(), reporter: this.reporter})
    const predictions = bundle.predict(this.flags.text).map(p => toRecord(p))
    if (!this.jsonEnabled()) for (const p of predictions) this.log(JSON.stringify(p))
    return {model: source, predictions}
  }

  private async predictFile(uri: string) {
    if (!this.flags.input) throw new UsageError('give --text "..." or --input FILE (or - for stdin)')
    const source = await resolveModelSource(uri, {cwd: process.cwd(), reporter: this.reporter})
    // Workers load the bundle while this thread loads it too.
    const workers = await chooseWorkerCount(this.flags.input, this.flags.workers)
    const pool = workers > 0 ? PredictPool.start(source.dir, workers, this.reporter) : undefined
    try {
      return await this.streamPredictions(await loadBundle(source.dir), source, pool)
    } finally {
      await pool?.close()
    }
  }

  private async streamPredictions(bundle: Bundle, source: ModelSource, pool: PredictPool | undefined) {
    const input = this.flags.input === '-' ? process.stdin : this.flags.input!
    const format = (this.flags.format ?? (this.flags.input === '-' ? 'jsonl' : 'auto')) as 'auto'
    const toStdout = this.flags.output === '-'
    if (toStdout && this.jsonEnabled()) throw new UsageError('--json with --input needs --output FILE: stdout carries the JSON result')
    const out = toStdout ? process.stdout : createWriteStream(this.flags.output)
    const result = await predictStream(bundle, input, out, {format, textColumn: this.flags['text-column'], batchSize: this.flags['batch-size'], reporter: this.reporter, pool})
    if (!toStdout) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())))
    this.reporter.info(`predict: ${result.count} texts in ${result.seconds.toFixed(2)} s (${Math.round(result.count / Math.max(result.seconds, 1e-9))} texts/s)`)
    return {model: source, count: result.count, output: this.flags.output, seconds: result.seconds}
  }
}
