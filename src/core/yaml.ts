import {createRequire} from 'node:module'
import type * as Yaml from 'yaml'

const require = createRequire(import.meta.url)
let loaded: typeof Yaml | undefined

/**
 * The yaml package, loaded on first use: importing it costs ~20 ms, which `sentiops serve` in a container
 * (configured by flags and plain env vars, no params.yaml) and every bundle load would otherwise pay.
 */
export function yaml(): typeof Yaml {
  return (loaded ??= require('yaml') as typeof Yaml)
}
