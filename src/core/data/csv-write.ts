/** A field needs quotes when it holds the delimiter, a quote or a line ending (csv-stringify's rule). */
const NEEDS_QUOTES = /[",\n\r]/
const HEADER = 'text,label\n'

/**
 * The CSV `text,label` that csv-stringify writes for these rows (header first, fields quoted only when they
 * need it, quotes doubled, LF line ends), byte for byte, as UTF-8 bytes written straight into one buffer:
 * without csv-stringify's per-field option checks and without a string of the whole file (at a million rows
 * csv-stringify takes seconds and twice the memory). Labels are class indexes (non-negative integers).
 */
export function textLabelCsv(texts: ArrayLike<string>, labels: ArrayLike<number>): Buffer {
  let chars = 0
  for (let i = 0; i < texts.length; i++) chars += texts[i].length
  const out = new ByteWriter(Math.ceil((chars + 4 * texts.length) * 1.05) + 64)
  out.latin1(HEADER)
  for (let i = 0; i < texts.length; i++) {
    out.field(texts[i])
    out.labelLine(labels[i])
  }
  return out.bytes()
}

/**
 * The texts of a data set as CSV fields, encoded once in their own order, for writing shuffled splits of
 * them: rows visited in a shuffled order are a cache miss each when they are strings (seconds at a million
 * rows), and a short copy each when they are bytes in one buffer.
 */
export class CsvTextFields {
  private readonly fields: Buffer
  /** Field i is fields[starts[i] .. starts[i + 1]). */
  private readonly starts: Float64Array

  constructor(texts: ArrayLike<string>) {
    let chars = 0
    for (let i = 0; i < texts.length; i++) chars += texts[i].length
    const out = new ByteWriter(Math.ceil(chars * 1.05) + 64)
    this.starts = new Float64Array(texts.length + 1)
    for (let i = 0; i < texts.length; i++) {
      out.field(texts[i])
      this.starts[i + 1] = out.at
    }
    this.fields = out.bytes()
  }

  /** textLabelCsv of the rows `order` (indexes into the texts and `labels`), in that order. */
  csv(labels: ArrayLike<number>, order: ArrayLike<number>): Buffer {
    let size = HEADER.length
    for (let i = 0; i < order.length; i++) size += this.starts[order[i] + 1] - this.starts[order[i]] + 4
    const out = new ByteWriter(size + 64)
    out.latin1(HEADER)
    const {fields, starts} = this
    for (let i = 0; i < order.length; i++) {
      const row = order[i]
      const from = starts[row]
      const to = starts[row + 1]
      if (to - from > 64) out.copy(fields, from, to)
      else for (let p = from; p < to; p++) out.buf[out.at++] = fields[p]
      out.labelLine(labels[row])
    }
    return out.bytes()
  }
}

/** An append-only byte buffer that grows (rarely) when a write may not fit. */
class ByteWriter {
  buf: Buffer
  at = 0

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  /** A text as a CSV field: quoted, with its quotes doubled, when it needs it. */
  field(text: string): void {
    const quoted = NEEDS_QUOTES.test(text)
    if (quoted) text = text.replaceAll('"', '""')
    // Worst case: 3 bytes per UTF-16 unit and 2 quotes.
    this.room(text.length * 3 + 2)
    if (quoted) this.buf[this.at++] = 0x22
    this.at += this.buf.write(text, this.at, 'utf8')
    if (quoted) this.buf[this.at++] = 0x22
  }

  /** `,<label>\n`. */
  labelLine(label: number): void {
    this.room(20)
    this.buf[this.at++] = 0x2c
    if (label < 10) this.buf[this.at++] = 0x30 + label
    else this.at += this.buf.write(String(label), this.at, 'latin1')
    this.buf[this.at++] = 0x0a
  }

  latin1(text: string): void {
    this.room(text.length)
    this.at += this.buf.write(text, this.at, 'latin1')
  }

  copy(source: Buffer, from: number, to: number): void {
    this.room(to - from)
    this.at += source.copy(this.buf, this.at, from, to)
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.at)
  }

  private room(bytes: number): void {
    if (this.buf.length - this.at >= bytes) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes))
    this.buf.copy(bigger, 0, 0, this.at)
    this.buf = bigger
  }
}
