/** Temp dirs of the tracking tests (removed after each test file), plus the shared fixtures. */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll} from 'vitest'

export {cleanEnv, listFiles, makeBundle} from './fixtures.js'

const created: string[] = []
// Registered once per test file that imports this module: its temp dirs go when the file is done.
afterAll(async () => {
  await Promise.all(created.splice(0).map(dir => rm(dir, {recursive: true, force: true})))
})

export async function tempDir(prefix = 'sentiops-tracking-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  created.push(dir)
  return dir
}
