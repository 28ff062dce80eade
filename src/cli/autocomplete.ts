import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Config} from '@oclif/core'

export const SHELLS = ['bash', 'zsh'] as const
export type Shell = (typeof SHELLS)[number]

/** The static side of an oclif command class: `Cmd.run(argv, config)`. */
interface PluginCommand {
  run(argv: string[], config: Config): Promise<unknown>
}

/**
 * A command of @oclif/plugin-autocomplete, imported only when `sentiops autocomplete` runs. Registered as a
 * plugin in package.json it would be loaded at every start (measured: +4 to 6 ms of config loading per plugin);
 * its exports map only exposes an empty index, so the command module is found next to that file.
 */
export async function autocompletePluginCommand(name: 'index' | 'create'): Promise<PluginCommand> {
  const main = createRequire(import.meta.url).resolve('@oclif/plugin-autocomplete')
  const file = path.join(path.dirname(main), 'commands', 'autocomplete', `${name}.js`)
  return ((await import(pathToFileURL(file).href)) as {default: PluginCommand}).default
}

/** Where the plugin writes the completion files: the CLI's cache directory, never the project. */
export function autocompleteDir(config: Config): string {
  return path.join(config.cacheDir, 'autocomplete')
}

/** The line for ~/.bashrc or ~/.zshrc that loads the completion files (the same line the plugin's `autocomplete script` prints). */
export function setupLine(config: Config, shell: Shell): string {
  const envVar = `${config.bin.toUpperCase().replaceAll('-', '_')}_AC_${shell.toUpperCase()}_SETUP_PATH`
  return `${envVar}=${path.join(autocompleteDir(config), `${shell}_setup`)} && test -f $${envVar} && source $${envVar}; # ${config.bin} autocomplete setup`
}

/** `bash` or `zsh` from an argument or $SHELL, undefined for any other shell. */
export function shellFrom(name: string | undefined): Shell | undefined {
  const base = name ? path.basename(name) : undefined
  return SHELLS.find(s => s === base)
}
