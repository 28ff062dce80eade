// Entry of dist/help-fast.cjs, bundled with @oclif/core by scripts/build.sh (esbuild; copied next to dist/cli/
// first). `sentiops --help` and `sentiops <command> --help` then load one file instead of oclif's ~200 modules:
// the same Config, manifest and help class as oclif's own path, which bin/run.js falls back to on any doubt.
import {Config, settings} from '@oclif/core'
import SentiopsHelp from './cli/help.js'

/** Prints help for argv and returns true; false (nothing printed) when a plugin's init hook would have to run. */
export async function showHelp(argv, root) {
  settings.enableAutoTranspile = false
  const config = await Config.load(root)
  if ([...config.plugins.values()].some(plugin => (plugin.hooks?.init ?? []).length > 0)) return false
  const help = new SentiopsHelp(config, config.pjson.oclif.helpOptions ?? config.pjson.helpOptions)
  await help.showHelp(argv)
  return true
}
