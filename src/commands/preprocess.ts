import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {relativePath, setFlag} from '../cli/flags.js'
import {runPreprocess} from '../core/stages/preprocess.js'

export default class Preprocess extends BaseCommand<typeof Preprocess> {
  static override summary = 'Clean the raw splits with the shared text pipeline (the same one serving uses).'
  static override description = `Reads ingest.out_dir/{train,test}.csv and writes preprocess.out_dir/{train,test}.csv.
Steps (each switchable in params.yaml "preprocess"): lowercase, URL removal, negation-preserving contraction
expansion, punctuation and number removal, stopword removal (negations and keep_words survive), lemmatization
(wink-lemmatizer) or Porter stemming, and a minimum-length filter.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --set preprocess.normalize=stem --set preprocess.remove_stopwords=false',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {set: setFlag}

  async run() {
    const {params} = await this.loadParams(this.flags.set)
    const result = await runPreprocess(params, {cwd: process.cwd(), reporter: this.reporter})
    this.log(`preprocess: train ${result.train.kept}/${result.train.rows} kept, test ${result.test.kept}/${result.test.rows} kept (shorter than ${params.preprocess.min_length} chars dropped) in ${result.seconds.toFixed(2)} s`)
    this.log(`  wrote ${relativePath(result.files.train)}, ${relativePath(result.files.test)}`)
    return result
  }
}
