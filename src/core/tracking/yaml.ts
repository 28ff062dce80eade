/**
 * YAML as MLflow writes and reads it: PyYAML (YAML 1.1) with sorted keys, block style, unicode.
 * Dumping with the 1.1 schema quotes strings that a 1.1 reader would otherwise turn into booleans, numbers or
 * dates (`'on'`, `'0'`, `'2025-01-01 00:00:00.000000'`), so MLflow reads back exactly the strings we wrote.
 */
import {readFile} from 'node:fs/promises'
import YAML from 'yaml'
import {UserError} from '../errors.js'

export function dumpMlflowYaml(value: Record<string, unknown>): string {
  return YAML.stringify(value, {
    version: '1.1',
    sortMapEntries: true,
    singleQuote: true,
    lineWidth: 0,
    indentSeq: false,
  })
}

export function parseMlflowYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, {version: '1.1', prettyErrors: true})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const line = e.linePos?.[0]?.line
    const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    throw new UserError(`${file}${line ? `:${line}` : ''}: not valid YAML (${reason})`)
  }
  return doc.toJS()
}

/**
 * Reads a meta.yaml-like file that must be a mapping. Missing files are returned as undefined (the caller decides
 * whether that is an error); empty, unparsable or non-mapping files are a UserError naming the file.
 */
export async function readYamlMapping(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (text.trim() === '') throw new UserError(`${file}: the file is empty (a corrupt or half-written MLflow metadata file)`)
  const value = parseMlflowYaml(text, file)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}: expected a YAML mapping of keys`)
  return value as Record<string, unknown>
}
