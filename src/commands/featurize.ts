import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {overridesFrom, relativePath, setFlag} from '../cli/flags.js'
import {runFeaturize} from '../core/stages/featurize.js'

export default class Featurize extends BaseCommand<typeof Featurize> {
  static override summary = 'Fit the bag-of-words or TF-IDF vectorizer and build the sparse training matrix.'
  static override description = `Reads preprocess.out_dir/train.csv; writes featurize.out_dir/vectorizer.json and train.csr
(CSR matrix + labels). TF-IDF uses smooth idf, optional sublinear tf and L2-normalized rows; n-gram range,
max_features, min_df/max_df and binary counts come from params.yaml "featurize".

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --method bow --max-features 5000',
    '<%= config.bin %> <%= command.id %> --set featurize.ngram_max=1 --json',
  ]
  static override flags = {
    method: Flags.string({description: 'bow or tfidf (featurize.method)', options: ['bow', 'tfidf']}),
    'max-features': Flags.integer({description: 'vocabulary size cap, 0 = none (featurize.max_features)', min: 0}),
    set: setFlag,
  }

  async run() {
    const overrides = overridesFrom({'featurize.method': this.flags.method, 'featurize.max_features': this.flags['max-features']})
    const {params} = await this.loadParams([...overrides, ...this.flags.set])
    const result = await runFeaturize(params, {cwd: process.cwd(), reporter: this.reporter})
    this.log(`featurize: ${result.method} ${result.rows} rows × ${result.features} features (${result.nnz} non-zeros) in ${result.seconds.toFixed(2)} s`)
    this.log(`  wrote ${relativePath(result.files.vectorizer)}, ${relativePath(result.files.train)}`)
    return result
  }
}
