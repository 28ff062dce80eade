#!/usr/bin/env node
// sentiops supports Node >= 20.19 on purpose; the AWS SDK's "Node 20 support ends" notice would only add noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** `sentiops`, `sentiops --help`, `sentiops <command> --help`: the cases oclif answers with its help page. */
function wantsHelp(argv) {
  const end = argv.indexOf('--')
  return argv.length === 0 || (end === -1 ? argv : argv.slice(0, end)).includes('--help')
}

// Help from the prebuilt bundle (dist/help-fast.cjs, one file with oclif in it) when it is there; any doubt or
// error falls through to oclif's own path, which prints the same page or the same error.
async function fastHelp() {
  if (!wantsHelp(process.argv.slice(2)) || process.env.SENTIOPS_NO_FAST_HELP) return false
  try {
    // require, not import(): import() of CommonJS runs Node's export scanner over the whole bundle first.
    const {createRequire} = await import('node:module')
    const {fileURLToPath} = await import('node:url')
    const {showHelp} = createRequire(import.meta.url)('../dist/help-fast.cjs')
    return await showHelp(process.argv.slice(2), fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (!(await fastHelp())) {
  const {execute, settings} = await import('@oclif/core')
  // Always run the compiled dist/: oclif would otherwise look for TypeScript sources when NODE_ENV is test or
  // development (vitest and many CI setups set it). bin/dev.js is the entry for running from sources.
  settings.enableAutoTranspile = false
  await execute({dir: import.meta.url})
}
