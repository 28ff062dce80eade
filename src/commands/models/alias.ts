import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {registryFlags} from '../../cli/tracking-flags.js'
import {UsageError} from '../../core/errors.js'
import {openStores, validateAlias, type ModelVersion} from '../../core/tracking/index.js'

export default class ModelsAlias extends BaseCommand<typeof ModelsAlias> {
  static override summary = 'Point an alias (e.g. champion) at a model version, or delete it with --delete.'
  static override description = [
    'After this, models:/NAME@ALIAS resolves to that version everywhere a model path is accepted (predict, serve, explain). Aliases follow MLflow\'s rules: letters, digits, \'_\' and \'-\'; not "latest" or v<number>. No promotion gate runs here: use `sentiops register --gate` for gated promotion.',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %> sentiment champion 3',
    '<%= config.bin %> <%= command.id %> sentiment challenger --delete --json',
  ]
  static override args = {
    name: Args.string({description: 'registered model name', required: true}),
    alias: Args.string({description: 'alias name, e.g. champion', required: true}),
    version: Args.string({description: 'version number the alias points to (not with --delete)'}),
  }
  static override flags = {
    delete: Flags.boolean({description: 'remove the alias instead of setting it', default: false}),
    ...registryFlags,
  }

  async run(): Promise<{name: string; alias: string; deleted: boolean; version?: ModelVersion; previous?: string}> {
    const {name, alias, version} = this.args
    validateAlias(alias)
    if (this.flags.delete && version !== undefined) throw new UsageError('--delete takes no VERSION argument')
    if (!this.flags.delete && version === undefined) throw new UsageError('give the VERSION the alias should point to, or --delete')
    const stores = openStores({trackingUri: this.flags['tracking-uri'], cwd: process.cwd(), reporter: this.reporter})
    const previous = (await stores.registry.getRegisteredModel(name)).aliases[alias]
    if (this.flags.delete) {
      await stores.registry.deleteAlias(name, alias)
      this.log(`deleted alias ${alias} of '${name}' (was v${previous})`)
      return {name, alias, deleted: true, previous}
    }
    await stores.registry.setAlias(name, alias, version!)
    const target = await stores.registry.getVersionByAlias(name, alias)
    this.log(`models:/${name}@${alias} → version ${target.version}${previous && previous !== target.version ? ` (was v${previous})` : ''}`)
    return {name, alias, deleted: false, version: target, ...(previous ? {previous} : {})}
  }
}
