import {readFile} from 'node:fs/promises'
import path from 'node:path'
import ignore, {type Ignore} from 'ignore'

/** What DVC never looks into, wherever it sits: `.git` (file or folder), `.hg/` and `.dvc/` folders. */
export function isAlwaysIgnored(name: string, isDir: boolean): boolean {
  return name === '.git' || (isDir && (name === '.hg' || name === '.dvc'))
}

export const DVCIGNORE = '.dvcignore'

/**
 * The `.dvcignore` rules of a repository (gitignore syntax, one file per folder, each applying to its folder
 * and below; deeper files can override with `!pattern`). Rules are read lazily and cached.
 */
export class DvcIgnore {
  private readonly rules = new Map<string, Promise<Ignore | undefined>>()

  constructor(readonly root: string) {}

  /** Whether `abs` (a path inside the repository) is excluded by a `.dvcignore` of its folder or above. */
  async isIgnored(abs: string, isDir: boolean): Promise<boolean> {
    const rel = path.relative(this.root, abs)
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false
    const parts = rel.split(path.sep)
    let ignored = false
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = path.join(this.root, ...parts.slice(0, depth))
      const rules = await this.rulesOf(dir)
      if (!rules) continue
      const result = rules.test(parts.slice(depth).join('/') + (isDir ? '/' : ''))
      if (result.ignored) ignored = true
      else if (result.unignored) ignored = false
    }
    return ignored
  }

  private rulesOf(dir: string): Promise<Ignore | undefined> {
    let rules = this.rules.get(dir)
    if (!rules) {
      rules = readFile(path.join(dir, DVCIGNORE), 'utf8').then(
        text => ignore().add(text),
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined
          throw error
        },
      )
      this.rules.set(dir, rules)
    }
    return rules
  }
}
