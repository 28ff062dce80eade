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
    // Run through vm.Script with V8's code cache (bin/code-cache.cjs), not import(): import() of CommonJS also
    // runs Node's export scanner over the whole bundle.
    const {createRequire} = await import('node:module')
    const {fileURLToPath} = await import('node:url')
    const {load} = createRequire(import.meta.url)('./code-cache.cjs')
    const {showHelp} = load(`${await packageRoot()}/dist/help-fast.cjs`).exports
    return await showHelp(process.argv.slice(2), fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

/**
 * The bundled CLI (dist/bundle/run.js, scripts/gen-cli-bundle.mjs): the same oclif run from a few files instead
 * of ~600 modules. Undefined when it is not built (or SENTIOPS_NO_BUNDLE is set): oclif's own path below.
 */
async function bundled() {
  if (process.env.SENTIOPS_NO_BUNDLE) return undefined
  const {existsSync} = await import('node:fs')
  const {pathToFileURL} = await import('node:url')
  const file = `${await packageRoot()}/dist/bundle/run.js`
  return existsSync(file) ? import(pathToFileURL(file).href) : undefined
}

/**
 * This package's folder, through realpath: a value the serving image's file tracer (@vercel/nft, see
 * src/core/image/context.ts) cannot compute, so it does not pull the bundles into the image, which ships
 * dist/commands/serve.js and what that imports, and runs oclif's own path.
 */
async function packageRoot() {
  const {realpathSync} = await import('node:fs')
  const {fileURLToPath} = await import('node:url')
  return realpathSync(fileURLToPath(new URL('..', import.meta.url)))
}

if (!(await fastHelp())) {
  const bundle = await bundled()
  if (bundle) {
    await bundle.run(process.argv.slice(2))
  } else {
    const {execute, settings} = await import('@oclif/core')
    // Always run the compiled dist/: oclif would otherwise look for TypeScript sources when NODE_ENV is test or
    // development (vitest and many CI setups set it). bin/dev.js is the entry for running from sources.
    settings.enableAutoTranspile = false
    await execute({dir: import.meta.url})
  }
}
