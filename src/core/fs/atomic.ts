import {randomBytes} from 'node:crypto'
import {mkdir, rename, rm, writeFile, open} from 'node:fs/promises'
import path from 'node:path'

function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
}

/** Writes a file through a temp sibling + fsync + rename, so readers never see half a file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), {recursive: true})
  const tmp = tempSibling(target)
  try {
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n')
}

/**
 * Builds a directory in a temp sibling and swaps it into place. `fill` writes the contents.
 * An existing directory at `target` is replaced only after `fill` succeeded.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), {recursive: true})
  const tmp = tempSibling(target)
  await mkdir(tmp, {recursive: true})
  try {
    await fill(tmp)
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
  const old = `${tmp}.old`
  let hadOld = false
  try {
    await rename(target, old)
    hadOld = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, {recursive: true, force: true})
      throw error
    }
  }
  try {
    await rename(tmp, target)
  } catch (error) {
    if (hadOld) await rename(old, target)
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
  if (hadOld) await rm(old, {recursive: true, force: true})
}

export async function writeTextFileInDir(dir: string, name: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), {recursive: true})
  await writeFile(path.join(dir, name), data)
}
