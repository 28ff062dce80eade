import {Args} from '@oclif/core'
import {SHELLS, setupLine, shellFrom} from '../../cli/autocomplete.js'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {UsageError} from '../../core/errors.js'

/** The line `sentiops autocomplete` tells people to append to their shell rc file (hidden, as in the oclif plugin). */
export default class AutocompleteScript extends BaseCommand<typeof AutocompleteScript> {
  static override hidden = true
  static override summary = 'Print the line that loads sentiops completion, for ~/.bashrc or ~/.zshrc.'
  static override description = `Run \`sentiops autocomplete\` first: it writes the files this line loads.

${EXIT_CODE_HELP}`
  static override examples = ['printf "$(<%= config.bin %> <%= command.id %> bash)" >> ~/.bashrc']
  static override args = {
    shell: Args.string({description: 'shell (default: $SHELL)', options: [...SHELLS]}),
  }

  async run() {
    const shell = shellFrom(this.args.shell ?? this.config.shell)
    if (!shell) throw new UsageError(`name the shell: ${this.config.bin} autocomplete script bash, or zsh`)
    const line = setupLine(this.config, shell)
    this.log(`\n${line}`) // leading newline: an rc file whose last line has no newline stays intact
    return {shell, line}
  }
}
