import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {registryFlags} from '../../cli/tracking-flags.js'
import {formatTimestamp, openStores, renderTable, type RegisteredModel} from '../../core/tracking/index.js'

export default class ModelsList extends BaseCommand<typeof ModelsList> {
  static override summary = 'List the registered models with their newest version, stages and aliases.'
  static override description = [
    'Reads the model registry of --tracking-uri (default: MLFLOW_TRACKING_URI, else ./mlruns).',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --tracking-uri https://dagshub.com/alice/sentiment.mlflow --json',
  ]
  static override flags = registryFlags

  async run(): Promise<{uri: string; models: RegisteredModel[]}> {
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const models = await stores.registry.listRegisteredModels()
    if (models.length === 0) {
      this.log(`no registered models in ${stores.registry.uri}`)
    } else {
      this.log(renderTable(['name', 'latest', 'stages', 'aliases', 'updated'], models.map(m => [
        m.name,
        m.latestVersions.length > 0 ? `v${Math.max(...m.latestVersions.map(v => Number(v.version)))}` : '',
        m.latestVersions.filter(v => v.currentStage !== 'None').sort((a, b) => Number(b.version) - Number(a.version)).map(v => `${v.currentStage}:v${v.version}`).join(' '),
        Object.entries(m.aliases).map(([alias, version]) => `${alias}→v${version}`).join(' '),
        formatTimestamp(m.lastUpdatedTimestamp),
      ])))
    }
    return {uri: stores.registry.uri, models}
  }
}
