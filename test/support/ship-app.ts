import {copyFile, mkdir, mkdtemp, readdir, rm, symlink} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'

/** The repository root (test/support/ → ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * A private, freshly compiled copy of sentiops for image tests: package.json, the lockfile, bin/run.js, the
 * repository's node_modules and templates (symlinked) and dist/ transpiled from src/ with esbuild. Tests never depend on
 * (or race with) the shared dist/ another `npm run build` may be rewriting.
 */
export async function compileAppRoot(): Promise<{dir: string; remove(): Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-app-'))
  await mkdir(path.join(dir, 'bin'))
  for (const f of ['package.json', 'package-lock.json', 'bin/run.js']) await copyFile(path.join(REPO_ROOT, f), path.join(dir, f))
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  await symlink(path.join(REPO_ROOT, 'templates'), path.join(dir, 'templates'), 'dir')
  const files = await readdir(path.join(REPO_ROOT, 'src'), {recursive: true})
  const sources = files.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts')).map(f => path.join(REPO_ROOT, 'src', f))
  // JavaScript in src/ (generated code, as scripts/build.sh copies it) goes over unchanged.
  for (const f of files.filter(f => f.endsWith('.js'))) {
    await mkdir(path.dirname(path.join(dir, 'dist', f)), {recursive: true})
    await copyFile(path.join(REPO_ROOT, 'src', f), path.join(dir, 'dist', f))
  }
  await execa(path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'), [
    ...sources,
    `--outdir=${path.join(dir, 'dist')}`,
    `--outbase=${path.join(REPO_ROOT, 'src')}`,
    '--format=esm',
    '--platform=node',
    '--target=node20',
    '--log-level=error',
  ])
  return {dir, remove: () => rm(dir, {recursive: true, force: true})}
}
