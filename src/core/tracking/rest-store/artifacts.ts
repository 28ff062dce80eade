/**
 * Run artifacts on a tracking server (spec §6.3): `mlflow-artifacts:` URIs go through the server's proxy
 * (`PUT`/`GET <base>/api/2.0/mlflow-artifacts/artifacts/<path>`), listing through `mlflow/artifacts/list`.
 * `file:` artifact roots are used directly when they exist on this machine (a server on the same host started
 * with --no-serve-artifacts); anything else cannot be reached without guessing cloud credentials.
 */
import {statSync} from 'node:fs'
import {cp, mkdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {writeDirAtomic, writeFileAtomic} from '../../fs/atomic.js'
import {SentiopsError, UserError} from '../../errors.js'
import {NotFoundError} from '../errors.js'
import {listKeys} from '../file-store/values.js'
import type {RunInfo} from '../store.js'
import {fileUriToPath} from '../uri.js'
import type {MlflowHttpClient} from './http.js'

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'application/x-yaml',
  '.yml': 'application/x-yaml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
}

interface ListedFile {
  path: string
  is_dir?: boolean
  file_size?: number | string
}

export class RestArtifacts {
  constructor(private readonly http: MlflowHttpClient) {}

  /** The proxy URL of `<artifactUri>/<relative>` (scheme, host and path prefix of the tracking URI). */
  proxyUrl(artifactUri: string, relative: string): string {
    const parsed = new URL(artifactUri)
    const origin = parsed.host ? `${new URL(this.http.origin).protocol}//${parsed.host}` : this.http.origin
    const base = `${origin}${this.http.prefix}`
    const segments = `${parsed.pathname}/${relative}`.split('/').filter(Boolean).map(s => encodeURIComponent(decodeURIComponent(s)))
    return `${base}/api/2.0/mlflow-artifacts/artifacts/${segments.join('/')}`
  }

  async upload(info: RunInfo, localPath: string, artifactPath: string): Promise<void> {
    const source = await stat(localPath).catch(() => undefined)
    if (!source) throw new UserError(`cannot log artifacts: ${localPath} does not exist`)
    const files = source.isFile()
      ? [{from: localPath, rel: joinRel(artifactPath, path.basename(localPath))}]
      : (await listKeys(localPath)).map(key => ({from: path.join(localPath, ...key.split('/')), rel: joinRel(artifactPath, key)}))
    const scheme = schemeOf(info.artifactUri)
    if (scheme === 'file') {
      const root = this.localRoot(info)
      for (const f of files) {
        const to = path.join(root, ...f.rel.split('/'))
        await writeFileAtomic(to, await readFile(f.from))
      }
      return
    }
    this.requireProxy(info)
    for (const f of files) {
      await this.http.send({
        method: 'PUT',
        url: this.proxyUrl(info.artifactUri, f.rel),
        body: await readFile(f.from),
        headers: {'Content-Type': CONTENT_TYPES[path.extname(f.from).toLowerCase()] ?? 'application/octet-stream'},
        what: `upload artifact ${f.rel} of run ${info.runId}`,
      })
    }
  }

  async download(info: RunInfo, artifactPath: string, destDir: string): Promise<string> {
    const dest = artifactPath ? path.join(destDir, ...artifactPath.split('/')) : destDir
    if (schemeOf(info.artifactUri) === 'file') {
      const source = path.join(this.localRoot(info), ...artifactPath.split('/').filter(Boolean))
      const s = await stat(source).catch(() => undefined)
      if (!s) throw new NotFoundError(`artifact '${artifactPath}' not found in run ${info.runId} (${source})`)
      if (s.isDirectory()) await writeDirAtomic(dest, dir => cp(source, dir, {recursive: true}))
      else await writeFileAtomic(dest, await readFile(source))
      return dest
    }
    this.requireProxy(info)
    const files = await this.listRecursive(info.runId, artifactPath)
    if (files.length === 0) {
      // Not a directory (or an empty one): fetch it as a single file.
      await writeFileAtomic(dest, await this.fetchFile(info, artifactPath))
      return dest
    }
    await writeDirAtomic(dest, async dir => {
      for (const rel of files) {
        const inside = artifactPath ? rel.slice(artifactPath.length).replace(/^\/+/, '') : rel
        const to = path.join(dir, ...inside.split('/'))
        await mkdir(path.dirname(to), {recursive: true})
        await writeFileAtomic(to, await this.fetchFile(info, rel))
      }
    })
    return dest
  }

  /** Run-relative paths of all files under `dir`, via `GET mlflow/artifacts/list` (paths come back run-relative). */
  private async listRecursive(runId: string, dir: string): Promise<string[]> {
    const out: string[] = []
    let pageToken: string | undefined
    do {
      const res = await this.http.call<{files?: ListedFile[]; next_page_token?: string}>('GET', 'artifacts/list', {
        run_id: runId, path: dir || undefined, page_token: pageToken,
      })
      for (const f of res.files ?? []) {
        if (f.is_dir) out.push(...(await this.listRecursive(runId, f.path)))
        else out.push(f.path)
      }
      pageToken = res.next_page_token || undefined
    } while (pageToken)
    return out
  }

  private async fetchFile(info: RunInfo, rel: string): Promise<Uint8Array> {
    try {
      const {res} = await this.http.send({method: 'GET', url: this.proxyUrl(info.artifactUri, rel), what: `download artifact ${rel} of run ${info.runId}`})
      return new Uint8Array(await res!.arrayBuffer())
    } catch (error) {
      // A file-backed server answers a missing file with 500 "No such file" rather than 404 (spec §6.3).
      const status = (error as SentiopsError).data?.httpStatus
      if (status === 404 || (status === 500 && /no such file/i.test((error as Error).message))) {
        throw new NotFoundError(`artifact '${rel}' not found in run ${info.runId} on ${this.http.displayUri}`)
      }
      throw error
    }
  }

  private requireProxy(info: RunInfo): void {
    if (schemeOf(info.artifactUri) !== 'mlflow-artifacts') {
      throw new UserError(`run ${info.runId} keeps its artifacts at ${info.artifactUri}: the artifact store is not reachable through the tracking server (start it with --serve-artifacts)`)
    }
  }

  /** A `file:` artifact root, usable only when it exists on this machine. */
  private localRoot(info: RunInfo): string {
    const root = fileUriToPath(info.artifactUri)
    // <experiment artifact location>/<run_id>/artifacts: the experiment's folder must be here for this to be local.
    if (!isDirectory(path.dirname(path.dirname(root)))) {
      throw new UserError(`run ${info.runId} keeps its artifacts at ${info.artifactUri}, which is not on this machine: the artifact store is not reachable through the tracking server`)
    }
    return root
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

function schemeOf(uri: string): string {
  return /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() ?? ''
}

function joinRel(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/')
}
