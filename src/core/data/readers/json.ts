import {DataError} from '../../errors.js'
import {countNewlinesIn} from './lines.js'

/** A parsed JSON value and the line it starts on. */
export interface JsonItem {
  line: number
  value: unknown
}

function text(chunk: Buffer | string): string {
  return typeof chunk === 'string' ? chunk : chunk.toString('utf8')
}

/** JSON Lines: one JSON value per line; blank lines are skipped. */
export async function* readJsonLines(input: AsyncIterable<Buffer | string>, where: string): AsyncGenerator<JsonItem[]> {
  let rest = ''
  let line = 1
  for await (const chunk of input) {
    const data = rest + text(chunk)
    const items: JsonItem[] = []
    let start = 0
    let end = data.indexOf('\n')
    while (end !== -1) {
      parseLine(data, start, end, line++, where, items)
      start = end + 1
      end = data.indexOf('\n', start)
    }
    rest = data.slice(start)
    if (items.length > 0) yield items
  }
  const items: JsonItem[] = []
  parseLine(rest, 0, rest.length, line, where, items)
  if (items.length > 0) yield items
}

function parseLine(data: string, start: number, end: number, line: number, where: string, out: JsonItem[]): void {
  const body = data.slice(start, end).trim()
  if (body === '') return
  out.push({line, value: parseJson(body, where, line)})
}

function parseJson(body: string, where: string, line: number): unknown {
  try {
    return JSON.parse(body)
  } catch (error) {
    // V8 says "... in JSON at position N": point at the right line of a multi-line value.
    const position = /position (\d+)/.exec((error as Error).message)
    const at = position ? line + countNewlinesIn(body, 0, Number(position[1])) : line
    const reason = (error as Error).message.replace(/\s*in JSON at position \d+.*$/s, '')
    throw new DataError(`${where}:${at}: invalid JSON: ${reason}`, {cause: error, data: {file: where, line: at}})
  }
}

type ArrayState = 'start' | 'first' | 'element' | 'next' | 'after-comma' | 'done'

/**
 * A JSON array of values, read as a stream: the elements are cut out by tracking strings and nesting, then
 * each one is parsed on its own, so memory stays bounded by the largest element rather than the file.
 */
export async function* readJsonArray(input: AsyncIterable<Buffer | string>, where: string): AsyncGenerator<JsonItem[]> {
  let state = 'start' as ArrayState
  let line = 1
  let depth = 0
  let inString = false
  let escaped = false
  let parts: string[] = []
  let elementLine = 0
  const fail = (message: string, at = line) => new DataError(`${where}:${at}: ${message}`, {data: {file: where, line: at}})

  for await (const chunk of input) {
    const data = text(chunk)
    const items: JsonItem[] = []
    let elementStart = state === 'element' ? 0 : -1
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i)
      if (state === 'element') {
        if (c === 10) line++
        let complete = false
        if (inString) {
          if (escaped) escaped = false
          else if (c === 92 /* backslash */) escaped = true
          else if (c === 34 /* " */) {
            inString = false
            complete = depth === 0
          }
        } else if (c === 34) inString = true
        else if (c === 123 /* { */ || c === 91 /* [ */) depth++
        else if (c === 125 /* } */ || c === 93 /* ] */) complete = --depth === 0
        if (complete) {
          parts.push(data.slice(elementStart, i + 1))
          const body = parts.join('')
          parts = []
          items.push({line: elementLine, value: parseJson(body, where, elementLine)})
          state = 'next'
        }
        continue
      }
      if (c === 10) {
        line++
        continue
      }
      if (c === 32 || c === 9 || c === 13) continue
      switch (state) {
        case 'start':
          if (c !== 91) throw fail('expected a JSON array of records ("[" first); for one JSON object per line use the jsonl format')
          state = 'first'
          break
        case 'first':
        case 'after-comma':
          if (c === 93 && state === 'first') {
            state = 'done'
            break
          }
          if (c !== 123 && c !== 91 && c !== 34) {
            throw fail(c === 93 ? 'invalid JSON: a comma before "]"' : `element ${describeStart(data, i)}… is neither a record (an object) nor a string`)
          }
          state = 'element'
          inString = c === 34
          depth = inString ? 0 : 1
          elementStart = i
          elementLine = line
          break
        case 'next':
          if (c === 44 /* , */) state = 'after-comma'
          else if (c === 93) state = 'done'
          else throw fail(`invalid JSON: expected "," or "]" after an element, found ${JSON.stringify(data[i])}`)
          break
        case 'done':
          throw fail(`invalid JSON: unexpected ${JSON.stringify(data[i])} after the closing "]"`)
      }
    }
    if (state === 'element') parts.push(data.slice(elementStart))
    if (items.length > 0) yield items
  }
  if (state === 'element') throw fail('invalid JSON: the data ends inside the element that starts here', elementLine)
  if (state !== 'done') throw fail(state === 'start' ? 'the file is empty; expected a JSON array of records' : 'invalid JSON: the data ends before the closing "]"')
}

function describeStart(data: string, i: number): string {
  return JSON.stringify(data.slice(i, i + 20))
}
