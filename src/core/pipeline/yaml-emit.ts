/**
 * A block-style YAML writer that reproduces, byte for byte, what DVC's dump (ruamel.yaml's round-trip
 * dumper with default settings) writes for plain data: 2-space mapping indent, sequences not indented
 * under their key, `[]`/`{}` for empty collections, the same quoting choices (plain unless the text would
 * read back as another type or contains indicators; single quotes; double quotes for newlines, `'` and
 * control characters) and the same line folding at column 80, as ruamel.yaml ≥ 0.18.13 folds (what DVC
 * installs today; 0.17 folded differently, see the DVC spec §7). It is a port of the emitter's decisions for
 * the events a plain-data dump produces, not a general YAML library.
 */
import {isPyMap, pyFloatRepr, type PyScalar, type PyValue} from './pyvalue.js'

const BEST_WIDTH = 80
const INDENT = 2
const BREAKS = '\n\u0085\u2028\u2029'
const WHITESPACE_OR_END = '\0 \t\r\n\u0085\u2028\u2029'

/** Dumps a value (normally a mapping) as a YAML document ending in a newline. */
export function dumpYaml(value: PyValue): string {
  const emitter = new Emitter()
  emitter.node(value, {root: true})
  emitter.writeIndent()
  return emitter.text
}

interface NodeContext {
  root?: boolean
  sequence?: boolean
  mapping?: boolean
  simpleKey?: boolean
}

interface Scalar {
  text: string
  /** Whether the text, written plain, reads back as the same type (a string that looks like a number does not). */
  implicit: boolean
}

interface Analysis {
  chars: string[]
  empty: boolean
  multiline: boolean
  allowFlowPlain: boolean
  allowBlockPlain: boolean
  allowSingleQuoted: boolean
  allowDoubleQuoted: boolean
}

class Emitter {
  text = ''
  private column = 0
  private whitespace = true
  private indention = true
  private noNewline = false
  private indent: number | null = null
  private readonly indents: Array<{indent: number | null; sequence: boolean}> = []
  private flowLevel = 0
  private sequenceContext = false
  private mappingContext = false
  private simpleKeyContext = false

  node(value: PyValue, context: NodeContext): void {
    this.sequenceContext = Boolean(context.sequence)
    this.mappingContext = Boolean(context.mapping)
    this.simpleKeyContext = Boolean(context.simpleKey)
    if (Array.isArray(value)) {
      if (value.length === 0) this.emptyFlow('[', ']', true)
      else this.blockSequence(value)
    } else if (isPyMap(value)) {
      if (value.size === 0) this.emptyFlow('{', '}', false)
      else this.blockMapping(value)
    } else {
      this.increaseIndent(true, false, false)
      this.scalar(toScalar(value))
      this.indent = this.indents.pop()!.indent
    }
  }

  private increaseIndent(flow: boolean, sequence: boolean, indentless: boolean): void {
    this.indents.push({indent: this.indent, sequence})
    if (this.indent === null) this.indent = flow ? null : 0
    else if (!indentless) this.indent += INDENT
  }

  private blockSequence(items: PyValue[]): void {
    const indentless = this.mappingContext ? !this.indention : false
    this.increaseIndent(false, true, indentless)
    for (const item of items) {
      const noNewline = this.column === 0 ? this.noNewline : false
      this.writeIndent()
      this.writeIndicator('-', true, false, true)
      if (noNewline) this.noNewline = true
      this.node(item, {sequence: true})
    }
    this.indent = this.indents.pop()!.indent
    this.noNewline = false
  }

  private blockMapping(map: Map<PyScalar, PyValue>): void {
    this.increaseIndent(false, false, false)
    for (const [key, value] of map) {
      this.writeIndent()
      const keyScalar = toScalar(key)
      if (isSimpleKey(keyScalar, tagLength(key))) {
        this.node(key, {mapping: true, simpleKey: true})
        this.writeIndicator(':', false)
      } else {
        this.writeIndicator('?', true, false, true)
        this.node(key, {mapping: true})
        this.writeIndent()
        this.writeIndicator(':', true, false, true)
      }
      this.node(value, {mapping: true})
    }
    this.indent = this.indents.pop()!.indent
  }

  private emptyFlow(open: string, close: string, sequence: boolean): void {
    const last = this.indents.at(-1)
    const align = this.indents.length >= 2 && last?.sequence ? (last.indent ?? 0) + INDENT - this.column - 1 : 0
    this.writeIndicator(' '.repeat(Math.max(0, align)) + open, true, true)
    this.increaseIndent(true, sequence, false)
    this.flowLevel++
    this.indent = this.indents.pop()!.indent
    this.flowLevel--
    this.writeIndicator(close, false)
    if (this.flowLevel === 0) this.writeLineBreak()
  }

  private scalar(scalar: Scalar): void {
    const analysis = analyzeScalar(scalar.text)
    const style = this.chooseStyle(scalar, analysis)
    const split = !this.simpleKeyContext
    if (this.sequenceContext && this.flowLevel === 0) this.writeIndent()
    if (style === '"') this.writeDoubleQuoted(analysis.chars, split)
    else if (style === "'") this.writeSingleQuoted(analysis.chars, split)
    else this.writePlain(analysis.chars, split)
  }

  private chooseStyle(scalar: Scalar, analysis: Analysis): '' | "'" | '"' {
    if (scalar.implicit) {
      const plainAllowed = this.flowLevel > 0 ? analysis.allowFlowPlain : analysis.allowBlockPlain
      if (!(this.simpleKeyContext && (analysis.empty || analysis.multiline)) && plainAllowed) return ''
    }
    if (analysis.allowDoubleQuoted && (scalar.text.includes("'") || scalar.text.includes('\n'))) return '"'
    if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) return "'"
    return '"'
  }

  writeIndent(): void {
    const indent = this.indent ?? 0
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      if (this.noNewline) this.noNewline = false
      else this.writeLineBreak()
    }
    if (this.column < indent) {
      this.whitespace = true
      this.write(' '.repeat(indent - this.column))
    }
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`
    this.whitespace = whitespace
    this.indention = this.indention && indention
    this.write(data)
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true
    this.indention = true
    this.text += data
    this.column = 0
  }

  private write(data: string): void {
    this.text += data
    this.column += [...data].length
  }

  private writePlain(chars: string[], split: boolean): void {
    if (chars.length === 0) return
    if (!this.whitespace) this.write(' ')
    this.whitespace = false
    this.indention = false
    let spaces = false
    let breaks = false
    let start = 0
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column >= BEST_WIDTH && split) {
            this.writeIndent()
            this.whitespace = false
            this.indention = false
          } else {
            this.write(chars.slice(start, end).join(''))
          }
          start = end
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.writeLineBreak()
          for (const br of chars.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br)
          this.writeIndent()
          this.whitespace = false
          this.indention = false
          start = end
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch)) {
        // ruamel ≥ 0.18.13: a word that would cross the width moves to the next line (even unsplittable text
        // and simple keys), leaving the space already written at the end of the line before.
        if (end - start + this.column > BEST_WIDTH && this.indent !== null && this.column > this.indent) this.writeIndent()
        this.write(chars.slice(start, end).join(''))
        start = end
      }
      if (ch !== undefined) {
        spaces = ch === ' '
        breaks = BREAKS.includes(ch)
      }
    }
  }

  private writeSingleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator("'", true)
    let spaces = false
    let breaks = false
    let start = 0
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) {
            this.writeIndent()
          } else {
            this.write(chars.slice(start, end).join(''))
          }
          start = end
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.writeLineBreak()
          for (const br of chars.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br)
          this.writeIndent()
          start = end
        }
      } else if ((ch === undefined || ` ${BREAKS}`.includes(ch) || ch === "'") && start < end) {
        this.write(chars.slice(start, end).join(''))
        start = end
      }
      if (ch === "'") {
        this.write("''")
        start = end + 1
      }
      if (ch !== undefined) {
        spaces = ch === ' '
        breaks = BREAKS.includes(ch)
      }
    }
    this.writeIndicator("'", false)
  }

  private writeDoubleQuoted(chars: string[], split: boolean): void {
    this.writeIndicator('"', true)
    let start = 0
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined
      if (ch === undefined || '"\\\u0085\u2028\u2029\uFEFF'.includes(ch) || !printableInDoubleQuotes(ch)) {
        if (start < end) {
          this.write(chars.slice(start, end).join(''))
          start = end
        }
        if (ch !== undefined) {
          this.write(escapeChar(ch))
          start = end + 1
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        const backslash = needsBackslash(chars, start, end)
        this.write(`${chars.slice(start, end).join('')}${backslash ? '\\' : ''}`)
        if (start < end) start = end
        this.writeIndent()
        this.whitespace = false
        this.indention = false
        if (chars[start] === ' ') {
          // Without the backslash the line break itself reads back as this space, so it is not written.
          if (backslash) this.write('\\')
          else start++
        }
      }
    }
    this.writeIndicator('"', false)
  }
}

function toScalar(value: PyScalar): Scalar {
  if (value === null) return {text: '', implicit: true}
  if (typeof value === 'boolean') return {text: value ? 'true' : 'false', implicit: true}
  if (typeof value === 'bigint') return {text: value.toString(), implicit: true}
  if (typeof value === 'number') return {text: floatText(value), implicit: true}
  return {text: value, implicit: resolvesAsString(value)}
}

/** ruamel's float representer: `.nan`, `.inf`, `-.inf`, else Python's repr lower-cased (`1e-05`, `4.0`). */
function floatText(x: number): string {
  if (Number.isNaN(x)) return '.nan'
  if (x === Number.POSITIVE_INFINITY) return '.inf'
  if (x === Number.NEGATIVE_INFINITY) return '-.inf'
  return pyFloatRepr(x).toLowerCase()
}

/** The implicit YAML 1.2 resolvers of ruamel.yaml, each gated by the first character as ruamel does. */
const IMPLICIT_RESOLVERS: Array<{first: string; pattern: RegExp}> = [
  {first: 'tTfF', pattern: /^(?:true|True|TRUE|false|False|FALSE)$/},
  {
    first: '-+0123456789.',
    pattern: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  },
  {first: '-+0123456789', pattern: /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/},
  {first: '<', pattern: /^<<$/},
  {first: '~nN', pattern: /^(?:~|null|Null|NULL)$/},
  {
    first: '0123456789',
    pattern: /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  },
  {first: '=', pattern: /^=$/},
  {first: '!&*', pattern: /^(?:!|&|\*)$/},
]

/** Whether a string written plain reads back as a string (not as a bool, number, null, date, ...). */
function resolvesAsString(text: string): boolean {
  if (text === '') return false
  return !IMPLICIT_RESOLVERS.some(r => r.first.includes(text[0]!) && r.pattern.test(text))
}

/** ruamel counts the key's tag (`!!str`, `!!int`, ...) towards the 128-character limit of a simple key. */
function isSimpleKey(scalar: Scalar, tag: number): boolean {
  const chars = [...scalar.text]
  return chars.length + tag < 128 && chars.length > 0 && !chars.some(ch => BREAKS.includes(ch))
}

function tagLength(key: PyScalar): number {
  if (key === null) return '!!null'.length
  if (typeof key === 'boolean') return '!!bool'.length
  if (typeof key === 'number') return '!!float'.length
  return '!!str'.length
}

function analyzeScalar(text: string): Analysis {
  const chars = [...text]
  if (chars.length === 0) {
    return {chars, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true, allowDoubleQuoted: true}
  }
  let blockIndicators = false
  let flowIndicators = false
  let lineBreaks = false
  let specialCharacters = false
  let leadingSpace = false
  let leadingBreak = false
  let trailingSpace = false
  let trailingBreak = false
  let breakSpace = false
  let spaceBreak = false
  if (text.startsWith('---') || text.startsWith('...')) {
    blockIndicators = true
    flowIndicators = true
  }
  let precededByWhitespace = true
  let followedByWhitespace = chars.length === 1 || WHITESPACE_OR_END.includes(chars[1]!)
  let previousSpace = false
  let previousBreak = false
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index]!
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true
        blockIndicators = true
      }
      if ('?:'.includes(ch)) {
        if (chars.length === 1) flowIndicators = true
        if (followedByWhitespace) blockIndicators = true
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
    } else {
      if (',[]{}'.includes(ch)) flowIndicators = true
      if (ch === ':' && followedByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
    }
    if (BREAKS.includes(ch)) lineBreaks = true
    if (!(ch === '\n' || (ch >= '\x20' && ch <= '\x7E'))) {
      const code = ch.codePointAt(0)!
      const unicodeOk = (code === 0x85 || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)) && code !== 0xfeff
      if (!unicodeOk) specialCharacters = true
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true
      if (index === chars.length - 1) trailingSpace = true
      if (previousBreak) breakSpace = true
      previousSpace = true
      previousBreak = false
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true
      if (index === chars.length - 1) trailingBreak = true
      if (previousSpace) spaceBreak = true
      previousSpace = false
      previousBreak = true
    } else {
      previousSpace = false
      previousBreak = false
    }
    precededByWhitespace = WHITESPACE_OR_END.includes(ch)
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE_OR_END.includes(chars[index + 2]!)
  }
  let allowFlowPlain = true
  let allowBlockPlain = true
  let allowSingleQuoted = true
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false
  if (specialCharacters || spaceBreak) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false
  if (flowIndicators) allowFlowPlain = false
  if (blockIndicators) allowBlockPlain = false
  return {chars, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowDoubleQuoted: true}
}

function printableInDoubleQuotes(ch: string): boolean {
  const code = ch.codePointAt(0)!
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000
}

/**
 * ruamel ≥ 0.18.13 folds a double-quoted line without the trailing backslash when the next word can be read back
 * from the line break alone (a port of its check, IndexError and ValueError included: both keep the backslash).
 */
function needsBackslash(chars: string[], start: number, end: number): boolean {
  let spacePos = chars.indexOf(' ', end)
  if (spacePos < 0) return true
  const newline = chars.indexOf('\n', end)
  if (newline >= 0 && newline < spacePos) spacePos = newline
  const after = chars[spacePos + 1]
  if (after === undefined) return true
  if (chars[spacePos] === '\n' && after !== ' ') return true
  const word = chars.slice(end, spacePos)
  const reads = !word.includes('"') && !word.includes("'") && after !== ' ' && after !== '\n' && chars.slice(end - 1, end + 1).join('') !== '  ' && start !== end
  return !reads
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\u0085': 'N', '\u00a0': '_', '\u2028': 'L', '\u2029': 'P',
}

function escapeChar(ch: string): string {
  const named = ESCAPES[ch]
  if (named) return `\\${named}`
  const code = ch.codePointAt(0)!
  const hex = code.toString(16).toUpperCase()
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`
  if (code <= 0xffff) return `\\u${hex.padStart(4, '0')}`
  return `\\U${hex.padStart(8, '0')}`
}
