import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {overridesFrom, relativePath, setFlag} from '../cli/flags.js'
import {formatDataReport, ingest} from '../core/data/index.js'

export default class Ingest extends BaseCommand<typeof Ingest> {
  static override summary = 'Read labeled texts from a file, URL, S3 or the built-in data set and split them.'
  static override description = `Sources: local CSV/TSV/JSON/JSONL files (several, comma-separated, or a glob), http(s) URLs,
s3://bucket/key (AWS SDK credential chain; AWS_ENDPOINT_URL honoured) and builtin:uci (3,000 UCI sentiment
sentences, offline). Maps columns and labels, drops empty, duplicate and unmapped rows (counted), and writes a
deterministic stratified split to ingest.out_dir/{train,test}.csv with a data report. With ingest.test_source
(--test-source; same forms and mapping) that data is the test split as given, test_size does not apply, and
texts of the source that are also in the test set are dropped from train and counted.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --source reviews.csv --text-column review --label-column sentiment --set ingest.label_map="{positive: 1, negative: 0}"',
    '<%= config.bin %> <%= command.id %> --source "data/*.jsonl" --test-size 0.25 --json',
    '<%= config.bin %> <%= command.id %> --source s3://my-bucket/reviews.csv',
    '<%= config.bin %> <%= command.id %> --source ../shared/data/sst2/train.csv --test-source ../shared/data/sst2/test.csv',
  ]
  static override flags = {
    source: Flags.string({description: 'data source (ingest.source)'}),
    'test-source': Flags.string({description: 'a fixed test set, same forms as --source (ingest.test_source)'}),
    'text-column': Flags.string({description: 'column with the text (ingest.text_column)'}),
    'label-column': Flags.string({description: 'column with the label (ingest.label_column)'}),
    'test-size': Flags.string({description: 'held-out fraction, e.g. 0.2 (ingest.test_size)'}),
    seed: Flags.integer({description: 'split seed (ingest.seed)', min: 0}),
    set: setFlag,
  }

  async run() {
    const overrides = overridesFrom({
      'ingest.source': this.flags.source,
      'ingest.test_source': this.flags['test-source'],
      'ingest.text_column': this.flags['text-column'],
      'ingest.label_column': this.flags['label-column'],
      'ingest.test_size': this.flags['test-size'],
      'ingest.seed': this.flags.seed,
    })
    const {params} = await this.loadParams([...overrides, ...this.flags.set])
    const result = await ingest(params.ingest, {cwd: process.cwd(), reporter: this.reporter})
    this.log(formatDataReport(result.report))
    this.log(`wrote        ${relativePath(result.files.train)}, ${relativePath(result.files.test)}`)
    return result
  }
}
