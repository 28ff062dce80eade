/**
 * An incremental RFC 4180 record parser over decoded text chunks, with the semantics csv-parse 5 has for
 * `{delimiter, relax_column_count: true, skip_empty_lines: false, max_record_size}` (the options the table
 * reader used): the same records and the same errors, whatever the chunk boundaries.
 *
 * - Records end with the first line ending found outside quotes: `\r\n`, `\n` or a lone `\r`, whichever comes
 *   first in the file. From then on only that ending separates records; the other ones are field text.
 * - A field that starts with `"` is quoted: it may hold delimiters, line endings and `""` (one quote). After
 *   the closing quote comes a delimiter, the record ending or the end of the data; anything else (a space
 *   too) is an error. A `"` anywhere else in an unquoted field is an error.
 * - An empty line is the record `['']`; a line ending at the very end of the data adds no record.
 * - A record whose text passes `maxRecordBytes` is an error, raised as soon as that much has been read.
 *
 * Lines are counted as `wc -l` and editors count them in a file with LF or CRLF line endings: every LF
 * starts a line, inside quoted fields too; a lone CR starts one only where it ends a record. (csv-parse
 * counts a CRLF inside a record as two lines, and a lone CR there as one.) An unclosed quote or an overlong
 * record is reported on the line where the record starts. A NUL after a closing quote is an error like any
 * other text there (csv-parse takes it for the end of the data and goes on).
 */

/** The csv-parse error codes, kept for continuity in machine-readable output. */
export type CsvSyntaxCode = 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE' | 'INVALID_OPENING_QUOTE' | 'CSV_INVALID_CLOSING_QUOTE'

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError'

  constructor(
    readonly code: CsvSyntaxCode,
    /** The physical line it applies to: where the record starts, or where the offending quote is. */
    readonly line: number,
    message: string,
  ) {
    super(`${message} (line ${line})`)
  }
}

export interface CsvRecordOptions {
  /** One character other than `"`, CR and LF. */
  delimiter: string
  /** Limit on a record's text, checked as csv-parse's `max_record_size` does; 0 for none. */
  maxRecordBytes?: number
}

/** Complete records, in order, with the physical line each one starts on. */
export interface CsvRecordBatch {
  records: string[][]
  lines: number[]
}

const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d

const enum Mode {
  /** At the first character of a field. */
  FieldStart,
  Unquoted,
  Quoted,
}

type RecordDelimiter = '' | '\n' | '\r\n' | '\r'

/**
 * Feed it decoded text with `feed()` and finish with `end()`; both return the records completed so far.
 * A syntax error is thrown by the call after the one that returned the records before it, so a caller
 * handles those records (and their own errors) first.
 */
export class CsvRecordParser {
  private readonly delimiter: string
  private readonly delimiterCode: number
  private readonly maxRecordBytes: number
  /** Not known until the first line ending outside quotes. */
  private recordDelimiter: RecordDelimiter = ''

  private mode = Mode.FieldStart
  /** Text of the current field read so far, when it spans chunks or holds `""`. */
  private field = ''
  /** UTF-8 length of `field`, measured once a record gets near the size limit (-1 until then). */
  private fieldBytes = -1
  private record: string[] = []
  /** UTF-16 length of the record's finished fields, the way csv-parse adds it up. */
  private recordChars = 0
  private line = 1
  private recordLine = 1
  /** Up to three characters whose meaning depends on what follows (a quote, a CR). */
  private carry = ''
  private failure: CsvSyntaxError | undefined
  private ended = false

  // The chunk being scanned, and the next position of each special character in it (text.length if none).
  private text = ''
  private quoteAt = -1
  private delimiterAt = -1
  private lfAt = -1
  private crAt = -1

  constructor(options: CsvRecordOptions) {
    const {delimiter, maxRecordBytes = 0} = options
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new RangeError(`CSV delimiter must be one character other than a quote or a line ending, got ${JSON.stringify(delimiter)}`)
    }
    this.delimiter = delimiter
    this.delimiterCode = delimiter.charCodeAt(0)
    this.maxRecordBytes = maxRecordBytes
  }

  /** Parses the next piece of text; returns the records it completes. */
  feed(chunk: string): CsvRecordBatch {
    this.checkUsable()
    const text = this.carry.length > 0 ? this.carry + chunk : chunk
    this.carry = ''
    return this.parse(text, false)
  }

  /** Ends the data: returns the last record, or throws the error the data ends in. */
  end(): CsvRecordBatch {
    this.checkUsable()
    this.ended = true
    // The carry is at most a quote and a CR: it completes a record or fails, never both.
    const batch = this.parse(this.carry, true)
    this.carry = ''
    if (this.failure) throw this.failure
    return batch
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure
    if (this.ended) throw new Error('CsvRecordParser: no more data can be parsed after end()')
  }

  private parse(text: string, final: boolean): CsvRecordBatch {
    const out: CsvRecordBatch = {records: [], lines: []}
    this.text = text
    this.quoteAt = this.delimiterAt = this.lfAt = this.crAt = -1
    try {
      const stop = this.scan(out, final)
      this.carry = stop < text.length ? text.slice(stop) : ''
      if (final) this.finish(out)
      else this.checkSize('') // an unclosed quote must not hold more than the limit
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error
      this.failure = error
    }
    this.text = ''
    return out
  }

  /** Scans `this.text`; returns where it stopped: its end, or a quote or CR whose meaning the next chunk tells. */
  private scan(out: CsvRecordBatch, final: boolean): number {
    const text = this.text
    const len = text.length
    let i = 0
    while (i < len) {
      if (this.mode === Mode.FieldStart && this.record.length === 0) {
        const record = this.lineRecord(i)
        if (record) {
          out.records.push(record)
          out.lines.push(this.line)
          this.recordLine = ++this.line
          i = this.lfAt + 1
          continue
        }
      }
      if (this.mode === Mode.FieldStart) {
        const c = text.charCodeAt(i)
        if (c === QUOTE) {
          this.mode = Mode.Quoted
          i++
          continue
        }
        if (c === this.delimiterCode) {
          this.endField('')
          i++
          continue
        }
        if (c === LF || c === CR) {
          const ending = this.recordDelimiterAt(i, final)
          if (ending < 0) return i
          if (ending > 0) {
            this.endField('')
            this.endRecord(out)
            i += ending
            continue
          }
        }
        this.mode = Mode.Unquoted
      }

      if (this.mode === Mode.Quoted) {
        const q = this.nextQuote(i)
        if (q === len) {
          if (this.lfAt < len) this.line += this.newlines(i, len)
          this.append(text.slice(i))
          return len
        }
        if (this.lfAt < q) this.line += this.newlines(i, q)
        if (q + 1 === len && !final) {
          this.append(text.slice(i, q))
          return q
        }
        const next = q + 1 < len ? text.charCodeAt(q + 1) : -1
        if (next === QUOTE) {
          this.append(text.slice(i, q + 1)) // "" is one quote
          i = q + 2
          continue
        }
        const rest = text.slice(i, q)
        if (next === this.delimiterCode) {
          this.endField(rest)
          i = q + 2
          continue
        }
        if (next === -1) {
          this.endField(rest)
          this.endRecord(out)
          return len
        }
        const ending = next === LF || next === CR ? this.recordDelimiterAt(q + 1, final) : 0
        if (ending < 0) {
          this.append(rest)
          return q
        }
        if (ending === 0) {
          this.checkSize(rest)
          throw new CsvSyntaxError('CSV_INVALID_CLOSING_QUOTE', this.line, 'text after the closing quote of a field')
        }
        this.endField(rest)
        this.endRecord(out)
        i = q + 1 + ending
        continue
      }

      // Unquoted: the field runs to the next delimiter or record ending, and holds no quote.
      const d = this.nextDelimiter(i)
      const r = this.nextRecordDelimiterCandidate(i, final)
      const end = d < r ? d : r
      const q = this.nextQuote(i)
      if (q < end) {
        if (this.lfAt < q) this.line += this.newlines(i, q)
        this.checkSize(text.slice(i, q))
        throw new CsvSyntaxError('INVALID_OPENING_QUOTE', this.line, 'a quote inside an unquoted field')
      }
      if (this.lfAt < end) this.line += this.newlines(i, end)
      if (end === d && d < len) {
        this.endField(text.slice(i, d))
        i = d + 1
        continue
      }
      const ending = end < len ? this.recordDelimiterAt(end, final) : 0
      if (ending < 0) {
        this.append(text.slice(i, end))
        return end
      }
      if (ending === 0) {
        // No record ending in the rest of the text (a lone CR at the end of CRLF data is field text).
        this.append(text.slice(i))
        return len
      }
      this.endField(text.slice(i, end))
      this.endRecord(out)
      i = end + ending
    }
    return len
  }

  /**
   * The fast path for most records: one that starts at `from` and ends on the same line of this text, with
   * quoted fields holding neither "" nor line endings, and not near the size limit. Returns the record
   * (it ends at this.lfAt), or undefined to leave it to the full parser, which also reports any error.
   */
  private lineRecord(from: number): string[] | undefined {
    const ending = this.recordDelimiter
    if (ending !== '\n' && ending !== '\r\n') return undefined
    const text = this.text
    const lf = this.nextLf(from)
    if (lf === text.length) return undefined
    let end = lf
    if (ending === '\r\n') {
      if (lf === from || text.charCodeAt(lf - 1) !== CR) return undefined // a lone LF is field text
      end = lf - 1
    }
    if (this.maxRecordBytes > 0 && 3 * (end - from) > this.maxRecordBytes) return undefined
    const record = this.splitLine(from, end)
    if (record === undefined) this.quoteAt = this.delimiterAt = -1 // they may lie past where the full parser resumes
    return record
  }

  /** The fields of text[from, end) if every quote in it opens or closes a whole field; else undefined. */
  private splitLine(from: number, end: number): string[] | undefined {
    const text = this.text
    let quote = this.nextQuote(from)
    const record: string[] = []
    let at = from
    for (;;) {
      if (at === quote) {
        const close = this.nextQuote(at + 1)
        if (close >= end) return undefined
        if (close + 1 < end && text.charCodeAt(close + 1) !== this.delimiterCode) return undefined
        record.push(text.slice(at + 1, close))
        if (close + 1 === end) return record
        at = close + 2
        quote = this.nextQuote(at)
      } else {
        const delimiter = this.nextDelimiter(at)
        const fieldEnd = delimiter < end ? delimiter : end
        if (quote < fieldEnd) return undefined
        record.push(text.slice(at, fieldEnd))
        if (fieldEnd === end) return record
        at = fieldEnd + 1
      }
    }
  }

  /** At the end of the data: the last record, unless it is empty after a final line ending. */
  private finish(out: CsvRecordBatch): void {
    if (this.mode === Mode.Quoted) {
      this.checkSize('')
      throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', this.recordLine, 'a quoted field is never closed')
    }
    if (this.mode === Mode.Unquoted || this.record.length > 0) {
      this.endField('')
      this.endRecord(out)
    }
  }

  private append(piece: string): void {
    this.field += piece
    if (this.fieldBytes >= 0) this.fieldBytes += Buffer.byteLength(piece, 'utf8')
  }

  /** Ends the current field, whose text is `field` + `tail`. */
  private endField(tail: string): void {
    if (this.maxRecordBytes !== 0) this.checkSize(tail)
    const value = this.field.length === 0 ? tail : this.field + tail
    this.record.push(value)
    this.recordChars += value.length
    this.field = ''
    this.fieldBytes = -1
    this.mode = Mode.FieldStart
  }

  private endRecord(out: CsvRecordBatch): void {
    out.records.push(this.record)
    out.lines.push(this.recordLine)
    this.record = []
    this.recordChars = 0
    this.line++ // the record ending; an LF inside it was not counted elsewhere
    this.recordLine = this.line
  }

  /**
   * csv-parse checks, before appending each byte of a field, that the finished fields' length plus the
   * field's bytes so far stay within the limit; this is the same condition for the field's text so far,
   * `field` + `tail`. Bytes are only counted near the limit (UTF-8 has at most 3 per UTF-16 unit), and
   * then incrementally, so a huge unclosed quote costs linear time.
   */
  private checkSize(tail: string): void {
    const max = this.maxRecordBytes
    const chars = this.field.length + tail.length
    if (max === 0 || chars === 0 || this.recordChars + 3 * chars - 1 <= max) return
    if (this.fieldBytes < 0) this.fieldBytes = Buffer.byteLength(this.field, 'utf8')
    if (this.recordChars + this.fieldBytes + Buffer.byteLength(tail, 'utf8') - 1 <= max) return
    throw new CsvSyntaxError('CSV_MAX_RECORD_SIZE', this.recordLine, `the record is longer than ${max} bytes`)
  }

  /**
   * Length of the record ending at `pos` of the text (which holds CR or LF): 1 or 2, 0 if that character is
   * field text, -1 if the next chunk tells. The first ending found fixes the record delimiter.
   */
  private recordDelimiterAt(pos: number, final: boolean): number {
    const text = this.text
    const c = text.charCodeAt(pos)
    switch (this.recordDelimiter) {
      case '\n':
        return c === LF ? 1 : 0
      case '\r':
        return c === CR ? 1 : 0
      case '\r\n':
        if (c !== CR) return 0
        if (pos + 1 < text.length) return text.charCodeAt(pos + 1) === LF ? 2 : 0
        return final ? 0 : -1
      case '':
        if (c === LF) {
          this.recordDelimiter = '\n'
          return 1
        }
        if (pos + 1 >= text.length && !final) return -1
        this.recordDelimiter = text.charCodeAt(pos + 1) === LF ? '\r\n' : '\r'
        return this.recordDelimiter.length
    }
  }

  /** Position of the next character at or after `from` that may end the record (text.length if none). */
  private nextRecordDelimiterCandidate(from: number, final: boolean): number {
    switch (this.recordDelimiter) {
      case '\n':
        return this.nextLf(from)
      case '\r':
        return this.nextCr(from)
      case '':
        return Math.min(this.nextLf(from), this.nextCr(from))
      case '\r\n': {
        const text = this.text
        let r = this.nextCr(from)
        // Skip lone CRs: they are field text. A CR at the end of the text is decided by the next chunk.
        while (r + 1 < text.length && text.charCodeAt(r + 1) !== LF) r = this.nextCr(r + 1)
        return r + 1 === text.length && final ? text.length : r
      }
    }
  }

  private nextQuote(from: number): number {
    if (this.quoteAt < from) this.quoteAt = found(this.text.indexOf('"', from), this.text)
    return this.quoteAt
  }

  private nextDelimiter(from: number): number {
    if (this.delimiterAt < from) this.delimiterAt = found(this.text.indexOf(this.delimiter, from), this.text)
    return this.delimiterAt
  }

  private nextLf(from: number): number {
    if (this.lfAt < from) this.lfAt = found(this.text.indexOf('\n', from), this.text)
    return this.lfAt
  }

  private nextCr(from: number): number {
    if (this.crAt < from) this.crAt = found(this.text.indexOf('\r', from), this.text)
    return this.crAt
  }

  /** LFs in text[from, to). Hot callers skip the call when `lfAt` is already past `to`. */
  private newlines(from: number, to: number): number {
    let count = 0
    for (let at = this.nextLf(from); at < to; at = this.nextLf(at + 1)) count++
    return count
  }
}

function found(index: number, text: string): number {
  return index === -1 ? text.length : index
}
