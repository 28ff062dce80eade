import type * as Yaml from 'yaml'
import {yaml} from '../yaml.js'

/**
 * What DVC's own YAML loading would reject in a params file that YAML 1.2 (and so sentiops) reads fine.
 * DVC reads params.yaml with ruamel's `YAML(typ='safe')`, which uses the libyaml-based C parser of
 * ruamel.yaml.clib when it is installed (most pip installs): that parser refuses a plain scalar holding `:`
 * inside a flow collection (`{image: node:20}`), and DVC fails on the dates ruamel makes of unquoted
 * timestamps (`2024-01-02`). Both fail every `dvc` pipeline command, so sentiops warns with the line and fix.
 * See the DVC spec §7.
 */

/** ruamel's implicit timestamp resolver (YAML 1.1 `!!timestamp`), which its 1.2 safe loader keeps. */
const TIMESTAMP = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/

export function dvcLoaderWarnings(doc: Yaml.Document.Parsed, lines: Yaml.LineCounter, file: string): string[] {
  const {isCollection, visit} = yaml()
  const warnings: string[] = []
  visit(doc, {
    Scalar(_key, node, path) {
      if (node.type !== 'PLAIN' || node.source === undefined || !node.range) return
      const text = node.source
      const at = `${file}:${lines.linePos(node.range[0]).line}`
      const quoted = `'${text.replace(/'/g, "''")}'`
      const inFlow = path.some(ancestor => isCollection(ancestor) && ancestor.flow)
      if (inFlow && text.includes(':')) {
        warnings.push(`${at}: DVC cannot read ${text} (a plain value with ':' inside {...} or [...] fails its C YAML loader with "found unexpected ':'"); quote it: ${quoted}`)
      } else if (TIMESTAMP.test(text)) {
        warnings.push(`${at}: DVC reads ${text} as a date and fails on it ("Unsupported value of type 'date'"); quote it: ${quoted}`)
      }
    },
  })
  return warnings
}
