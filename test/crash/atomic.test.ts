/**
 * What a killed writer leaves, built by hand (the states a SIGKILL between two steps produces), and what the
 * next reader and writer make of it. The end-to-end kills of the real binary (bundle, registry, splits through
 * repro) are in kill.test.ts.
 */
import {spawnSync} from 'node:child_process'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {readSplit} from '../../src/core/data/index.js'
import {readablePath, writeDirAtomic} from '../../src/core/fs/atomic.js'
import {tempDir, writeFiles} from '../pipeline/helpers.js'

/** The pid of a process that has exited (so it is certainly not writing any more). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

describe('recovery from a killed writer (states built by hand)', () => {
  it('a directory moved aside but not replaced is what readers get, and the next writer puts it back first', async () => {
    const root = tempDir()
    const pid = deadPid()
    // Killed between `rename(x, .x.old-…)` and `rename(.x.tmp-…, x)`: the previous version and a full new one.
    await writeFiles(root, {[`.x.old-${pid}-0a0b0c0d/v`]: 'previous', [`.x.tmp-${pid}-0e0f0a0b/v`]: 'never published'})
    expect(await readablePath(path.join(root, 'x'))).toBe(path.join(root, `.x.old-${pid}-0a0b0c0d`))
    let seenBefore = ''
    await writeDirAtomic(path.join(root, 'x'), async dir => {
      seenBefore = await readFile(path.join(root, 'x', 'v'), 'utf8')
      await writeFile(path.join(dir, 'v'), 'new')
    })
    expect(seenBefore).toBe('previous')
    expect(await readFile(path.join(root, 'x', 'v'), 'utf8')).toBe('new')
    expect((await readdir(root)).sort()).toEqual(['x'])
  })

  it('recognises the name older builds gave the previous version (.x.tmp-<pid>-<hex>.old)', async () => {
    const root = tempDir()
    await writeFiles(root, {[`.x.tmp-${deadPid()}-1234abcd.old/v`]: 'previous'})
    await writeDirAtomic(path.join(root, 'x'), async dir => writeFile(path.join(dir, 'v'), 'new'))
    expect((await readdir(root)).sort()).toEqual(['x'])
  })

  it('a pair of splits killed between its two renames is completed before it is read', async () => {
    const root = tempDir()
    const pid = deadPid()
    const dir = path.join(root, 'data/raw')
    // The commit record was published and train.csv renamed; test.csv still waits in its temp file.
    await writeFiles(dir, {
      'train.csv': 'text,label\nnew train,1\n',
      'test.csv': 'text,label\nold test,0\n',
      [`.test.csv.tmp-${pid}-00112233`]: 'text,label\nnew test,1\n',
      [`.sentiops-commit-${pid}-44556677.json`]: JSON.stringify({pid, renames: [[`.train.csv.tmp-${pid}-8899aabb`, 'train.csv'], [`.test.csv.tmp-${pid}-00112233`, 'test.csv']]}),
    })
    expect(await readSplit(path.join(dir, 'test.csv'))).toEqual([{text: 'new test', label: 1}])
    expect(await readSplit(path.join(dir, 'train.csv'))).toEqual([{text: 'new train', label: 1}])
    expect((await readdir(dir)).sort()).toEqual(['test.csv', 'train.csv'])
  })
})
