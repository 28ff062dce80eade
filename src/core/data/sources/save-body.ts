import {createWriteStream} from 'node:fs'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {Reporter} from '../../reporter.js'

/** Streams a download's body into `dest`, reporting "Downloading <where>" progress; returns the bytes written. */
export async function saveBody(body: Readable, dest: string, where: string, total: number | undefined, reporter?: Reporter): Promise<number> {
  let bytes = 0
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        bytes += chunk.length
        reporter?.progress(`Downloading ${where}`, bytes, total)
        yield chunk
      }
    },
    createWriteStream(dest),
  )
  return bytes
}
