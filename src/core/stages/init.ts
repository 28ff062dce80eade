import {copyFile, access} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The sentiops package root (this file is src/core/stages/init.ts or dist/core/stages/init.js). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/**
 * Makes a directory a sentiops project: copies the package's dvc.yaml and params.yaml when missing.
 * Returns the files it wrote (none when both exist).
 */
export async function ensurePipelineFiles(cwd: string): Promise<string[]> {
  const written: string[] = []
  for (const name of ['dvc.yaml', 'params.yaml']) {
    const target = path.join(cwd, name)
    if (await exists(target)) continue
    await copyFile(path.join(PACKAGE_ROOT, name), target)
    written.push(target)
  }
  return written
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p)
    return true
  } catch {
    return false
  }
}
