/**
 * Start of the bundled CLI (dist/bundle/run.js, built by scripts/gen-cli-bundle.mjs): oclif's own `execute`,
 * with the same package.json, manifest and command classes, except that oclif takes its help class, its hooks
 * and the command modules from the bundle instead of importing dist/cli/*.js and dist/commands/*.js one by one.
 */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {execute, Plugin, settings, type Command, type Interfaces} from '@oclif/core'

export interface BundleParts {
  /** Where oclif finds this bundle, relative to the package root (`./dist/bundle/run.js`). */
  target: string
  /** pjson.oclif.commands the loaders stand for (`./dist/commands`). */
  commandsDir: string
  /** helpClass / hook targets of package.json → the bundle export that holds the same module. */
  targets: {helpClass: Record<string, string>; hooks: Record<string, string>}
  commandLoaders: Record<string, () => Promise<Record<string, unknown>>>
  /** The file oclif would have loaded each command from, relative to the package root, split on `/`. */
  commandPaths: Record<string, string[]>
}

type Location = string | {target: string; identifier: string}

export async function runBundled(parts: BundleParts, argv = process.argv.slice(2)): Promise<unknown> {
  settings.enableAutoTranspile = false
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Interfaces.PJSON & {oclif: Interfaces.OclifConfiguration}
  const inBundle = (location: Location, table: Record<string, string>): Location =>
    typeof location === 'string' && table[location] ? {target: parts.target, identifier: table[location]} : location
  if (pjson.oclif.helpClass) pjson.oclif.helpClass = inBundle(pjson.oclif.helpClass, parts.targets.helpClass)
  for (const [event, hooks] of Object.entries(pjson.oclif.hooks ?? {})) {
    pjson.oclif.hooks![event] = [hooks as Location | Location[]].flat().map(h => inBundle(h, parts.targets.hooks)) as never
  }
  loadCommandsFromBundle(parts)
  return execute({args: argv, loadOptions: {root, pjson}})
}

let patched = false

/** The root plugin's commands come from the bundle's loaders; anything else (no loader for the id) as before. */
function loadCommandsFromBundle(parts: BundleParts): void {
  if (patched) return
  patched = true
  const original = Plugin.prototype.findCommand
  Plugin.prototype.findCommand = async function (this: Plugin, id: string, opts: {must: boolean} = {must: false}) {
    const load = this.isRoot && this.pjson.oclif.commands === parts.commandsDir ? parts.commandLoaders[id] : undefined
    if (!load) return original.call(this, id, opts)
    const module = await load()
    const cmd = (module.default ?? Object.values(module).find(c => typeof (c as Command.Class).run === 'function')) as Command.Class & {isESM?: boolean; relativePath?: string[]}
    cmd.id = id
    cmd.plugin = this
    cmd.isESM = true
    cmd.relativePath = parts.commandPaths[id]
    return cmd
  } as typeof Plugin.prototype.findCommand
}
