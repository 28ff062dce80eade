/**
 * Run artifacts of a tracking server's runs, wherever the server says they live (spec §8): a schemeless absolute
 * path or a `file:` URI is read and written directly on this machine (folders created as needed, as MLflow's
 * client does); `s3://` with the AWS SDK and the usual credentials; only `mlflow-artifacts:` goes through the
 * server's proxy (`PUT`/`GET <base>/api/2.0/mlflow-artifacts/artifacts/<path>`, listing via `mlflow/artifacts/list`).
 */
import {cp, mkdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {writeDirAtomic, writeFileAtomic} from '../../fs/atomic.js'
import {SentiopsError, UserError} from '../../errors.js'
import {NotFoundError} from '../errors.js'
import {listKeys} from '../file-store/values.js'
import type {RunInfo} from '../store.js'
import {localArtifactPath} from '../uri.js'
import type {MlflowHttpClient} from './http.js'
import {S3ArtifactStore, type ArtifactFile} from './s3-artifacts.js'

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

type ArtifactRoot = {kind: 'local'; dir: string} | {kind: 's3'} | {kind: 'proxy'}

export class RestArtifacts {
  private readonly s3: S3ArtifactStore

  constructor(private readonly http: MlflowHttpClient, env: NodeJS.ProcessEnv = process.env) {
    this.s3 = new S3ArtifactStore(env)
  }

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
    const files: ArtifactFile[] = (source.isFile()
      ? [{from: localPath, rel: joinRel(artifactPath, path.basename(localPath))}]
      : (await listKeys(localPath)).map(key => ({from: path.join(localPath, ...key.split('/')), rel: joinRel(artifactPath, key)})))
      .map(f => ({...f, contentType: CONTENT_TYPES[path.extname(f.from).toLowerCase()] ?? 'application/octet-stream'}))
    const root = artifactRoot(info)
    if (root.kind === 'local') return this.writeLocal(info, root.dir, files)
    if (root.kind === 's3') return this.s3.upload(info.artifactUri, files)
    for (const f of files) {
      await this.http.send({
        method: 'PUT',
        url: this.proxyUrl(info.artifactUri, f.rel),
        body: await readFile(f.from),
        headers: {'Content-Type': f.contentType},
        what: `upload artifact ${f.rel} of run ${info.runId}`,
      })
    }
  }

  async download(info: RunInfo, artifactPath: string, destDir: string): Promise<string> {
    const dest = artifactPath ? path.join(destDir, ...artifactPath.split('/')) : destDir
    const root = artifactRoot(info)
    if (root.kind === 'local') {
      await this.readLocal(info, root.dir, artifactPath, dest)
      return dest
    }
    if (root.kind === 's3') {
      await this.s3.download(info.artifactUri, artifactPath, dest, info.runId)
      return dest
    }
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

  /** The server leaves these folders to its clients, even the first one of a new experiment: create what is missing. */
  private async writeLocal(info: RunInfo, dir: string, files: ArtifactFile[]): Promise<void> {
    for (const f of files) {
      const bytes = await readFile(f.from)
      try {
        await writeFileAtomic(path.join(dir, ...f.rel.split('/')), bytes)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (!code) throw error
        throw new UserError(`cannot write the artifacts of run ${info.runId} to ${info.artifactUri} (${code}): the tracking server leaves that path to its clients, so it must be writable here (a shared filesystem or NFS mount); otherwise use a server that proxies artifacts (mlflow server --serve-artifacts --artifacts-destination DIR)`, {
          cause: error, data: {uri: info.artifactUri, code},
        })
      }
    }
  }

  private async readLocal(info: RunInfo, dir: string, artifactPath: string, dest: string): Promise<void> {
    const source = path.join(dir, ...artifactPath.split('/').filter(Boolean))
    const s = await stat(source).catch(() => undefined)
    if (!s) {
      // <experiment artifact location>/<run_id>/artifacts: without the experiment's folder, the root is not mounted here.
      if (!(await stat(path.dirname(path.dirname(dir))).catch(() => undefined))) {
        throw new NotFoundError(`run ${info.runId} keeps its artifacts at ${info.artifactUri}, which is not on this machine: run sentiops where the server's artifact root is mounted, or use a server that proxies artifacts (mlflow server --serve-artifacts)`, {
          data: {uri: info.artifactUri},
        })
      }
      throw new NotFoundError(`artifact '${artifactPath}' not found in run ${info.runId} (${source})`)
    }
    if (s.isDirectory()) await writeDirAtomic(dest, d => cp(source, d, {recursive: true}))
    else await writeFileAtomic(dest, await readFile(source))
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
}

/** Where a run's artifacts live and so who moves them; an artifact store sentiops cannot reach is a UserError. */
function artifactRoot(info: RunInfo): ArtifactRoot {
  const scheme = schemeOf(info.artifactUri)
  if (scheme === 'mlflow-artifacts') return {kind: 'proxy'}
  if (scheme === 's3') return {kind: 's3'}
  const dir = scheme === 'file' || scheme === '' || /^[a-z]$/.test(scheme) ? localArtifactPath(info.artifactUri) : undefined
  if (dir) return {kind: 'local', dir}
  throw new UserError(`run ${info.runId} keeps its artifacts at ${info.artifactUri}, which sentiops cannot reach: it reads and writes local paths, file://, s3:// and mlflow-artifacts: roots; start the server with --serve-artifacts --artifacts-destination <that store> so artifacts go through it`, {
    data: {uri: info.artifactUri},
  })
}

function schemeOf(uri: string): string {
  return /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() ?? ''
}

function joinRel(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/')
}
