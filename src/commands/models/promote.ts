import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {registryFlags} from '../../cli/tracking-flags.js'
import {normalizeStage, openStores, type ModelVersion} from '../../core/tracking/index.js'

export default class ModelsPromote extends BaseCommand<typeof ModelsPromote> {
  static override summary = 'Move a model version to a stage (None, Staging, Production, Archived).'
  static override description = [
    'With --archive-existing (Staging or Production only), the versions already in that stage move to Archived. Stages are deprecated in MLflow ≥ 2.9 in favour of aliases; `sentiops models alias` sets those. No promotion gate runs here: use `sentiops register --gate` for gated promotion.',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> sentiment 3 --stage Production --archive-existing',
    '<%= config.bin %> <%= command.id %> sentiment 2 --stage Archived --json',
  ]
  static override args = {
    name: Args.string({description: 'registered model name', required: true}),
    version: Args.string({description: 'version number', required: true}),
  }
  static override flags = {
    stage: Flags.string({description: 'target stage: None, Staging, Production or Archived (any case)', required: true}),
    'archive-existing': Flags.boolean({description: 'archive the other versions currently in that stage', default: false}),
    ...registryFlags,
  }

  async run(): Promise<{version: ModelVersion; archived: string[]}> {
    const stage = normalizeStage(this.flags.stage)
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const {name, version} = this.args
    const before = this.flags['archive-existing'] ? (await stores.registry.searchModelVersions(name)).filter(v => v.currentStage === stage) : []
    const updated = await stores.registry.transitionStage(name, version, stage, this.flags['archive-existing'])
    const archived = before.filter(v => v.version !== updated.version).map(v => v.version)
    this.log(`models:/${name}/${updated.version} is now in ${updated.currentStage}${archived.length > 0 ? ` (archived: ${archived.map(v => `v${v}`).join(', ')})` : ''}`)
    return {version: updated, archived}
  }
}
