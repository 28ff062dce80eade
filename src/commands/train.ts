import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {overridesFrom, relativePath, setFlag} from '../cli/flags.js'
import {ALGORITHMS} from '../core/config/params.js'
import {runTrain} from '../core/stages/train.js'
import {modelParams, tracked, trackingEnabled} from '../core/stages/tracking.js'
import {flattenParams} from '../core/tracking/inputs.js'
import {trackingFlags} from '../cli/tracking-flags.js'

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
    ...trackingFlags,
  }

  async run() {
    const overrides = overridesFrom({'train.algorithm': this.flags.algorithm, 'train.model_dir': this.flags['model-dir']})
    const {params} = await this.loadParams([...overrides, ...this.flags.set])
    const cwd = process.cwd()
    const {result, run} = await tracked(
      {enabled: trackingEnabled(this.flags.track), trackingUri: this.flags['tracking-uri'], experiment: this.flags.experiment, runName: this.flags['run-name'], cwd, reporter: this.reporter},
      async handle => {
        const {bundle, ...trained} = await runTrain(params, {cwd, reporter: this.reporter})
        void bundle
        if (handle) {
          await handle.logParams(flattenParams(modelParams(params)))
          await handle.logMetrics([
            {key: 'fit_seconds', value: trained.fitSeconds},
            {key: 'n_train', value: trained.rows},
            {key: 'n_features', value: trained.features},
          ])
          await handle.setTags({'sentiops.stage': 'train', 'sentiops.data.md5': trained.dataHash})
          await handle.logModel(trained.modelDir)
        }
        return trained
      },
    )
    this.log(`train: ${result.algorithm} on ${result.rows} rows × ${result.features} features in ${result.fitSeconds.toFixed(2)} s`)
    this.log(`  model bundle: ${relativePath(result.modelDir)}`)
    if (run) this.log(`  run: ${run.runId} (${run.runName}) in ${run.trackingUri}`)
    return {...result, run}
  }
}
