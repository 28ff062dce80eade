import {stat} from 'node:fs/promises'
import {DataError} from '../errors.js'
import {readTable} from './readers/table.js'
import {fileChunks} from './sources/local.js'
import type {LabeledRow} from './types.js'

const CLASS_INDEX = /^\d+$/

/** Reads a split written by ingest (CSV with the header text,label; labels are class indexes). */
export async function readSplit(file: string): Promise<LabeledRow[]> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new DataError(`${file}: no such file; run \`sentiops ingest\` first`, {data: {file}})
  const rows: LabeledRow[] = []
  const input = {where: file, name: file, chunks: fileChunks(file, {where: file})}
  const columns = [{name: 'text'}, {name: 'label'}]
  for await (const batch of readTable(input, {format: 'csv', encoding: 'utf-8', columns})) {
    for (const {line, values} of batch) {
      const label = values[1] as string
      if (!CLASS_INDEX.test(label)) {
        throw new DataError(`${file}:${line}: label ${JSON.stringify(label)} is not a class index; was this file written by \`sentiops ingest\`?`, {
          data: {file, line},
        })
      }
      rows.push({text: values[0] as string, label: Number(label)})
    }
  }
  return rows
}
