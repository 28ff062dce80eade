import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {modelNameArgs, registryFlags} from '../../cli/tracking-flags.js'
import {openStores, renderVersionTable, type ModelVersion} from '../../core/tracking/index.js'

export default class ModelsVersions extends BaseCommand<typeof ModelsVersions> {
  static override summary = 'List the versions of a registered model, newest first, with stage, aliases and gate verdict.'
  static override description = [
    'Reads the model registry of --tracking-uri (default: MLFLOW_TRACKING_URI, else ./mlruns). The GATE column is the promotion gate\'s verdict recorded by `sentiops register` (passed, rejected, forced).',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> sentiment',
    '<%= config.bin %> <%= command.id %> sentiment --json',
  ]
  static override args = modelNameArgs
  static override flags = registryFlags

  async run(): Promise<{name: string; versions: ModelVersion[]}> {
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const versions = await stores.registry.searchModelVersions(this.args.name)
    this.log(versions.length > 0 ? renderVersionTable(versions) : `registered model '${this.args.name}' has no versions yet`)
    return {name: this.args.name, versions}
  }
}
