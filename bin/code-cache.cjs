// Loads a CommonJS bundle (dist/help-fast.cjs) with V8's code cache `<file>.v8cache`, written at build time by
// scripts/gen-code-cache.mjs: Node then skips compiling the functions that the cached run compiled (~40 ms of
// `sentiops --help`). A cache from another Node/V8 version or another build is rejected by V8 and the file is
// compiled as usual, with the same result.
'use strict'
const fs = require('node:fs')
const Module = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

/** module.exports of `file`, and the vm.Script it ran (for createCachedData). */
function load(file) {
  let cachedData
  try {
    cachedData = fs.readFileSync(`${file}.v8cache`)
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {filename: file, cachedData})
  const mod = new Module(file, module)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(path.dirname(file))
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  mod.loaded = true
  return {exports: mod.exports, script}
}

module.exports = {load}
