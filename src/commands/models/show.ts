import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {modelNameArgs, registryFlags} from '../../cli/tracking-flags.js'
import {formatTimestamp, openStores, renderVersionTable, type ModelVersion, type RegisteredModel} from '../../core/tracking/index.js'

export default class ModelsShow extends BaseCommand<typeof ModelsShow> {
  static override summary = 'Show one registered model: description, tags, aliases and all its versions.'
  static override description = [
    'Reads the model registry of --tracking-uri (default: MLFLOW_TRACKING_URI, else ./mlruns). An unknown model name exits 1.',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> sentiment',
    '<%= config.bin %> <%= command.id %> sentiment --json',
  ]
  static override args = modelNameArgs
  static override flags = registryFlags

  async run(): Promise<{model: RegisteredModel; versions: ModelVersion[]}> {
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const model = await stores.registry.getRegisteredModel(this.args.name)
    const versions = await stores.registry.searchModelVersions(this.args.name)
    this.log(`${model.name}  (${stores.registry.uri})`)
    if (model.description) this.log(`  description: ${model.description}`)
    this.log(`  created: ${formatTimestamp(model.creationTimestamp)}   updated: ${formatTimestamp(model.lastUpdatedTimestamp)}`)
    const aliases = Object.entries(model.aliases)
    this.log(`  aliases: ${aliases.length > 0 ? aliases.map(([a, v]) => `${a}→v${v}`).join(', ') : '-'}`)
    for (const [key, value] of Object.entries(model.tags)) this.log(`  tag ${key}: ${value}`)
    this.log('')
    this.log(versions.length > 0 ? renderVersionTable(versions) : 'no versions yet')
    return {model, versions}
  }
}
