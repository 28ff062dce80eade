import type {Hook} from '@oclif/core'
import {EXIT_CODES} from '../../core/errors.js'
import {closest, visibleCommandIds} from '../did-you-mean.js'

/**
 * `sentiops trian` → `Error: "trian" is not a sentiops command. Did you mean "train"?`, exit 2 (usage).
 *
 * Our own hook rather than @oclif/plugin-not-found: that plugin drops the suggestion when stdin is not a TTY
 * (CI, scripts), exits 127, and on a TTY asks "Did you mean …? (Y/n)" with Yes as the default, so Enter after
 * `sentiops teardwn` would start a teardown. Here the suggestion is printed and nothing runs; with --json it is
 * the usual error object on stdout. Loaded only when a command is not found, so it costs nothing at startup.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const {config} = opts
  const spaced = (id: string) => id.replaceAll(':', config.topicSeparator)
  const match = closest(opts.id, visibleCommandIds(config))
  const typed = spaced(opts.id)
  const message = `"${typed}" is not a ${config.bin} command.${match ? ` Did you mean "${spaced(match)}"?` : ''}`
  const hint = `run ${config.bin} --help for the list of commands`
  if (opts.argv?.includes('--json') || config.scopedEnvVar('CONTENT_TYPE')?.toLowerCase() === 'json') {
    const error = {
      name: 'CommandNotFound',
      code: 'COMMAND_NOT_FOUND',
      exitCode: EXIT_CODES.usage,
      message,
      suggestions: match ? [`${config.bin} ${spaced(match)}`] : [hint],
    }
    process.stdout.write(`${JSON.stringify({status: 'error', error, warnings: []}, null, 2)}\n`)
  } else {
    process.stderr.write(`Error: ${message}\n  hint: ${hint}\n`)
  }
  this.exit(EXIT_CODES.usage)
}

export default hook
