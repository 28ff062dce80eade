import {copyFile, cp, mkdir, readdir, readFile, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {UserError} from '../errors.js'
import type {Reporter} from '../reporter.js'

/**
 * Stages the minimal Docker build context: the Dockerfile, a .dockerignore and `app/` holding only the files
 * the server needs at run time (traced from its entry points with @vercel/nft, limited to the production
 * dependencies of package-lock.json) plus, when baked, the model bundle under `app/model/`.
 * Tracing instead of copying node_modules keeps the image small: the CLI's cloud SDKs, plotting and
 * tooling never reach it.
 */

/** Entry points of the serving image, relative to the app root. */
export const SERVER_ENTRIES = ['bin/run.js', 'dist/commands/serve.js'] as const
/**
 * Files oclif reads at start besides the traced code. No oclif.manifest.json: without it oclif lists the
 * commands that are really in the image (serve), not the whole CLI.
 */
const APP_METADATA = ['package.json'] as const
/**
 * Files and folders the server reads by computed path (no import a tracer could follow): the web page, and the
 * lemmatizer's JSON snapshot (src/core/text/wink-snapshot.ts; without it the server still starts, ~100 ms slower).
 */
const APP_ASSETS = ['templates/page', 'dist/core/text/wink-lexicon.snapshot.json'] as const

export interface StageOptions {
  /** Root of the sentiops installation (package.json, bin/, dist/, node_modules/). */
  appRoot: string
  /** Empty directory to fill. */
  outDir: string
  /** Model bundle directory to bake in, or undefined when the model is fetched at start. */
  modelDir?: string
  /** Directory with Dockerfile and dockerignore (default: this package's templates/). */
  templatesDir?: string
  entries?: readonly string[]
  reporter?: Reporter
}

export interface StagedContext {
  dir: string
  dockerfile: string
  /** Files copied under app/ (relative), model files excluded. */
  appFiles: number
  appBytes: number
  modelBytes: number
}

/** The directory holding this package's package.json (works from src/ under tsx and from dist/). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
}

export function templatesDir(): string {
  return path.join(packageRoot(), 'templates')
}

export async function stageBuildContext(options: StageOptions): Promise<StagedContext> {
  const {appRoot, outDir} = options
  const entries = options.entries ?? SERVER_ENTRIES
  for (const entry of [...entries, ...APP_METADATA]) {
    if (!(await exists(path.join(appRoot, entry)))) {
      throw new UserError(`${path.join(appRoot, entry)} is missing: the image is built from compiled sentiops`, {
        suggestions: ['run `npm run build` in the sentiops checkout first'],
      })
    }
  }
  const files = await traceServerFiles(appRoot, entries)
  const appDir = path.join(outDir, 'app')
  let appBytes = 0
  for (const {from, to} of files) {
    const target = path.join(appDir, to)
    await mkdir(path.dirname(target), {recursive: true})
    await copyFile(from, target)
    appBytes += (await stat(target)).size
  }
  for (const dir of APP_ASSETS) {
    if (!(await exists(path.join(appRoot, dir)))) continue
    await cp(path.join(appRoot, dir), path.join(appDir, dir), {recursive: true, dereference: true})
    const copied = path.join(appDir, dir)
    appBytes += (await stat(copied)).isDirectory() ? await dirBytes(copied) : (await stat(copied)).size
  }
  let modelBytes = 0
  if (options.modelDir) {
    await cp(options.modelDir, path.join(appDir, 'model'), {recursive: true, dereference: true})
    modelBytes = await dirBytes(path.join(appDir, 'model'))
  }
  const templates = options.templatesDir ?? templatesDir()
  const dockerfile = path.join(outDir, 'Dockerfile')
  await copyFile(path.join(templates, 'Dockerfile'), dockerfile)
  await copyFile(path.join(templates, 'dockerignore'), path.join(outDir, '.dockerignore'))
  options.reporter?.debug(`staged ${files.length} app files (${(appBytes / 1048576).toFixed(1)} MiB) in ${outDir}`)
  return {dir: outDir, dockerfile, appFiles: files.length, appBytes, modelBytes}
}

export interface TracedFile {
  /** Absolute source path. */
  from: string
  /** Path under app/ in the image. */
  to: string
}

/**
 * Files reachable from the entry points, minus anything under a package that package-lock.json marks as
 * dev-only (oclif probes for tsx/ts-node at run time, which must not ship). App files keep their path
 * relative to appRoot; dependencies land in app/node_modules even when npm hoisted them above appRoot.
 */
export async function traceServerFiles(appRoot: string, entries: readonly string[]): Promise<TracedFile[]> {
  const {nodeFileTrace} = await import('@vercel/nft')
  const modulesRoot = await nodeModulesRoot(appRoot)
  // node_modules may be a symlink (a shared install): nft reports real paths, so accept both spellings.
  const modulesDirs = [...new Set([path.join(modulesRoot, 'node_modules'), await realpath(path.join(modulesRoot, 'node_modules'))])]
  const devOnly = await devOnlyPackageDirs(modulesRoot)
  /** `node_modules/<pkg>/...` for a dependency file, undefined for anything else. */
  const lockPath = (abs: string): string | undefined => {
    const dir = modulesDirs.find(d => abs.startsWith(`${d}${path.sep}`))
    return dir === undefined ? undefined : path.join('node_modules', path.relative(dir, abs))
  }
  const isDevOnly = (abs: string) => {
    const key = lockPath(abs)
    return key !== undefined && devOnly.some(dir => key === dir || key.startsWith(`${dir}/`))
  }
  const {fileList} = await nodeFileTrace(entries.map(e => path.join(appRoot, e)), {
    base: '/',
    processCwd: appRoot,
    ignore: rel => isDevOnly(path.join('/', rel)),
  })
  const out = new Map<string, string>(APP_METADATA.map(f => [f, path.join(appRoot, f)]))
  for (const rel of fileList) {
    const abs = path.join('/', rel)
    if (isDevOnly(abs) || !(await isFile(abs))) continue
    const to = lockPath(abs) ?? (abs.startsWith(`${appRoot}${path.sep}`) ? path.relative(appRoot, abs) : undefined)
    if (to !== undefined && !out.has(to)) out.set(to, abs)
  }
  return [...out].map(([to, from]) => ({from, to})).sort((a, b) => a.to.localeCompare(b.to))
}

/** The directory whose node_modules holds the server's dependencies (appRoot itself unless npm hoisted them). */
async function nodeModulesRoot(appRoot: string): Promise<string> {
  for (let dir = appRoot; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, 'node_modules', '@oclif', 'core', 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new UserError(`${appRoot}: no node_modules with @oclif/core above it; run \`npm ci\` first`)
  }
}

async function devOnlyPackageDirs(root: string): Promise<string[]> {
  const lockFile = path.join(root, 'package-lock.json')
  let lock: {packages?: Record<string, {dev?: boolean; devOptional?: boolean}>}
  try {
    lock = JSON.parse(await readFile(lockFile, 'utf8'))
  } catch (error) {
    throw new UserError(`${lockFile}: cannot read the lockfile (${(error as Error).message.split('\n')[0]}); production dependencies are taken from it`)
  }
  return Object.entries(lock.packages ?? {})
    .filter(([key, info]) => key !== '' && (info.dev || info.devOptional))
    .map(([key]) => key)
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false)
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(s => s.isFile(), () => false)
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size
  }
  return total
}
