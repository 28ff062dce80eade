import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {renderExperimentTable, showExperiment} from '../../core/experiments/show.js'
import {openStores} from '../../core/tracking/index.js'

export default class ExperimentShow extends BaseCommand<typeof ExperimentShow> {
  static override summary = 'Compare the runs of an experiment grid: params and cross-validated metrics, best first.'
  static override description = `Like \`dvc exp show\`: one row per grid combination (its latest run), the params that vary and
the cv_* metrics, sorted by --sort (loss metrics ascending, the rest descending). --md prints a Markdown table for
CI comments.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --experiment mr-grid --sort cv_f1_mean --md',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {
    experiment: Flags.string({description: 'experiment name (experiment.name)'}),
    sort: Flags.string({description: 'metric to sort by (default cv_<experiment.metric>_mean)'}),
    md: Flags.boolean({description: 'print a Markdown table', default: false}),
    'tracking-uri': Flags.string({description: 'tracking store (default MLFLOW_TRACKING_URI, else ./mlruns)', env: 'MLFLOW_TRACKING_URI'}),
  }

  async run() {
    const {params} = await this.loadParams()
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const table = await showExperiment(stores, this.flags.experiment ?? params.experiment.name, this.flags.sort ?? `cv_${params.experiment.metric}_mean`)
    this.log(renderExperimentTable(table, this.flags.md ? 'md' : 'text'))
    return table
  }
}
