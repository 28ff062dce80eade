import {mkdtempSync, rmSync} from 'node:fs'
import {mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach} from 'vitest'
import {createShellRunner} from '../../src/core/pipeline/index.js'
import type {Reporter} from '../../src/core/reporter.js'

const made: string[] = []

/** A fresh temp directory, removed after the test. */
export function tempDir(prefix = 'sentiops-pipeline-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true})
})

/** Writes files (creating folders) relative to `root`. */
export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), {recursive: true})
    await writeFile(path.join(root, name), content)
  }
}

export async function read(root: string, name: string): Promise<string> {
  return readFile(path.join(root, name), 'utf8')
}

/** Every file under `root` with its content and mtime: proof that nothing was written. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      const abs = path.join(dir, entry.name)
      const st = await stat(abs)
      const rel = path.relative(root, abs)
      if (entry.isDirectory()) {
        out[`${rel}/`] = String(st.mtimeMs)
        await walk(abs)
      } else {
        out[rel] = `${st.mtimeMs} ${await readFile(abs, 'base64')}`
      }
    }
  }
  await walk(root)
  return out
}

/** A shell runner whose commands print nothing into the test output. */
export const quietRunner = createShellRunner({output: 'ignore'})

/** A reporter that records what it was told. */
export function recordingReporter(): Reporter & {lines: string[]} {
  const lines: string[] = []
  return {
    lines,
    info: message => lines.push(`info: ${message}`),
    warn: message => lines.push(`warn: ${message}`),
    debug: message => lines.push(`debug: ${message}`),
    progress: () => {},
  }
}
