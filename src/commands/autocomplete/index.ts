import {Args, Flags} from '@oclif/core'
import {autocompleteDir, autocompletePluginCommand, SHELLS, setupLine, shellFrom} from '../../cli/autocomplete.js'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {UsageError} from '../../core/errors.js'

export default class Autocomplete extends BaseCommand<typeof Autocomplete> {
  static override summary = 'Set up tab completion of commands and flags in bash or zsh.'
  static override description = `Writes the completion scripts (oclif's @oclif/plugin-autocomplete) into sentiops' cache
directory (SENTIOPS_CACHE_DIR, else $XDG_CACHE_HOME/sentiops, else ~/.cache/sentiops; never the project) and
prints the setup steps. In short, once:

  bash:  printf "$(sentiops autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc
  zsh:   printf "$(sentiops autocomplete script zsh)" >> ~/.zshrc; source ~/.zshrc

then \`sentiops tr<TAB>\` completes to \`sentiops train\` and \`sentiops train --<TAB>\` lists its flags.
Run \`sentiops autocomplete --refresh-cache\` after upgrading sentiops so new commands and flags complete.
The shell defaults to $SHELL.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> bash',
    '<%= config.bin %> <%= command.id %> zsh',
    '<%= config.bin %> <%= command.id %> --refresh-cache',
    '<%= config.bin %> <%= command.id %> bash --json',
  ]
  static override args = {
    shell: Args.string({description: 'shell to complete in (default: $SHELL)', options: [...SHELLS]}),
  }
  static override flags = {
    'refresh-cache': Flags.boolean({char: 'r', description: 'only rebuild the completion scripts (after an upgrade), without the setup steps', default: false}),
  }

  async run() {
    const shell = shellFrom(this.args.shell ?? this.config.shell)
    if (!shell) throw new UsageError(`name the shell: ${this.config.bin} autocomplete bash, or ${this.config.bin} autocomplete zsh (only bash and zsh are supported)`)
    const result = {shell, cacheDir: autocompleteDir(this.config), setup: setupLine(this.config, shell)}
    if (this.jsonEnabled()) {
      const Create = await autocompletePluginCommand('create')
      await Create.run([], this.config)
      return result
    }
    const Index = await autocompletePluginCommand('index')
    await Index.run([shell, ...(this.flags['refresh-cache'] ? ['--refresh-cache'] : [])], this.config)
    return result
  }
}
