#!/usr/bin/env node
// Writes <dist>/help-fast.cjs.v8cache (see bin/code-cache.cjs): runs the help bundle once for the root page and
// for one command's page, output discarded, then saves V8's code cache of everything that run compiled.
//   node scripts/gen-code-cache.mjs <dist dir>
import {writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const dist = path.resolve(process.argv[2] ?? 'dist')
const bundle = path.join(dist, 'help-fast.cjs')
const {load} = createRequire(import.meta.url)('../bin/code-cache.cjs')
const {exports, script} = load(bundle)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const write = process.stdout.write
process.stdout.write = () => true
try {
  // A first build has no dist/commands yet for `predict --help` to find: whatever ran is cached all the same.
  for (const argv of [['--help'], ['predict', '--help']]) await exports.showHelp(argv, bin).catch(() => undefined)
} finally {
  process.stdout.write = write
}
writeFileSync(`${bundle}.v8cache`, script.createCachedData())
