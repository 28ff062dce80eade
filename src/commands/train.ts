import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {overridesFrom, relativePath, setFlag} from '../cli/flags.js'
import {ALGORITHMS} from '../core/config/params.js'
import {runTrain} from '../core/stages/train.js'

export default class Train extends BaseCommand<typeof Train> {
  static override summary = 'Train a classifier on the featurized data and write the model bundle.'
  static override description = `Fits train.algorithm (lr, mnb, rf, gb, xgb) with its section of params.yaml
(train.lr, train.mnb, ...) on featurize.out_dir/train.csr and writes the model bundle to train.model_dir:
preprocessing config, vectorizer, classifier (plain JSON), and an MLmodel file. Seeded and deterministic.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --algorithm mnb --set train.mnb.alpha=0.5',
    '<%= config.bin %> <%= command.id %> --algorithm lr --set train.lr.C=2 --json',
  ]
  static override flags = {
    algorithm: Flags.string({description: 'learner (train.algorithm)', options: [...ALGORITHMS]}),
    'model-dir': Flags.string({description: 'where to write the bundle (train.model_dir)'}),
    set: setFlag,
  }

  async run() {
    const overrides = overridesFrom({'train.algorithm': this.flags.algorithm, 'train.model_dir': this.flags['model-dir']})
    const {params} = await this.loadParams([...overrides, ...this.flags.set])
    const {bundle, ...result} = await runTrain(params, {cwd: process.cwd(), reporter: this.reporter})
    void bundle
    this.log(`train: ${result.algorithm} on ${result.rows} rows × ${result.features} features in ${result.fitSeconds.toFixed(2)} s`)
    this.log(`  model bundle: ${relativePath(result.modelDir)}`)
    return result
  }
}
