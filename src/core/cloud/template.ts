import {readFile} from 'node:fs/promises'
import YAML, {LineCounter, visit} from 'yaml'
import {getAt} from '../config/index.js'
import {BugError, ConfigError} from '../errors.js'

/**
 * The manifest templates (k8s/*.yaml, templates/eksctl/*.yaml) are plain YAML with `${dotted.name}`
 * placeholders. An unquoted scalar that is exactly one placeholder takes the value's own type (a number stays
 * a number, a list stays a list); a quoted one ("${port}") or a placeholder inside longer text becomes text. An unknown name fails
 * with file:line, so a typo in a template never ships as a literal "${...}".
 */

const WHOLE = /^\$\{([\w.-]+)\}$/
const INNER = /\$\{([\w.-]+)\}/g

/** Renders every YAML document of a template file with the given values. */
export async function renderTemplateFile(file: string, values: Record<string, unknown>): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new BugError(`template ${file} cannot be read (${(error as Error).message}); the sentiops installation is incomplete`)
  }
  return renderTemplate(text, values, file)
}

export function renderTemplate(text: string, values: Record<string, unknown>, source = 'template'): unknown[] {
  const lineCounter = new LineCounter()
  const docs = YAML.parseAllDocuments(text, {lineCounter, version: '1.2'})
  const out: unknown[] = []
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!
      throw new BugError(`${source}:${e.linePos?.[0]?.line ?? '?'}: template is not valid YAML: ${e.message.split('\n')[0]}`)
    }
    // Values put in are data: text inside them that looks like a placeholder is left alone.
    const inserted = new Set<unknown>()
    visit(doc, {
      Scalar(_key, node, ancestors) {
        if (inserted.has(node) || ancestors.some(a => inserted.has(a))) return undefined
        if (typeof node.value !== 'string' || !node.value.includes('${')) return undefined
        const line = node.range ? lineCounter.linePos(node.range[0]).line : '?'
        const lookup = (name: string): unknown => {
          const value = getAt(values, name)
          if (value === undefined) throw new ConfigError(`${source}:${line}: unknown placeholder \${${name}}`)
          return value
        }
        const whole = WHOLE.exec(node.value)
        if (whole && node.type === 'PLAIN') {
          const replacement = doc.createNode(lookup(whole[1]!))
          inserted.add(replacement)
          return replacement
        }
        node.value = node.value.replace(INNER, (_m, name: string) => {
          const value = lookup(name)
          if (typeof value === 'object' && value !== null) throw new ConfigError(`${source}:${line}: \${${name}} is a ${Array.isArray(value) ? 'list' : 'mapping'} and cannot be part of a string`)
          return String(value)
        })
        return undefined
      },
    })
    const rendered = doc.toJS()
    if (rendered !== null && rendered !== undefined) out.push(rendered)
  }
  return out
}

/** Text as YAML comment lines, so it can follow a document on stdout without breaking it. */
export function asYamlComment(text: string): string {
  return text.split('\n').map(line => (line ? `# ${line}` : '#')).join('\n')
}
