import {readFile} from 'node:fs/promises'
import type {Builder} from '../cloud/config.js'
import {ExternalError} from '../errors.js'
import type {CommandRunner, RunOptions} from '../exec.js'

/**
 * The two supported image builders as command lines. Everything runs through the one execa wrapper; the
 * command lines are also what `--dry-run` prints, so the plan and the run cannot drift apart.
 */

export interface Command {
  file: string
  args: string[]
}

export interface BuildRequest {
  contextDir: string
  dockerfile: string
  buildArgs: Readonly<Record<string, string>>
  /** Where the builder writes the image id. */
  iidFile: string
  /** e.g. linux/amd64; '' = the builder's default. */
  platform: string
}

export interface LocalImage {
  id: string
  /** Bytes of the whole image, base layers included. */
  size: number
  labels: Record<string, string>
}

export interface ImageBuilder {
  readonly name: Builder
  /** Fails with one readable line when the builder cannot be used (not installed, daemon down). */
  health(run: CommandRunner, options?: RunOptions): Promise<void>
  buildCommand(request: BuildRequest): Command
  tagCommand(source: string, target: string): Command
  /** `--password-stdin` login into a temporary auth location (never the user's own config). */
  loginCommand(registry: string, username: string, authDir: string): Command
  pushCommand(ref: string, authDir: string, digestFile: string): Command
  inspect(run: CommandRunner, ref: string, options?: RunOptions): Promise<LocalImage | undefined>
  /** The digest of a pushed reference, from the builder's own record of the push. */
  pushedDigest(pushOutput: string, digestFile: string): Promise<string | undefined>
}

const DOCKER_HINT = 'install Docker Engine (https://docs.docker.com/engine/install/) or use --builder buildah'
const BUILDAH_HINT = 'install buildah (apt-get install buildah) or use --builder docker'

export const dockerBuilder: ImageBuilder = {
  name: 'docker',
  async health(run, options = {}) {
    try {
      await run('docker', ['version', '--format', '{{.Server.Version}}'], {...options, missingHint: DOCKER_HINT, timeoutMs: 15_000})
    } catch (error) {
      if (error instanceof ExternalError && /not found on PATH/.test(error.message)) throw error
      const detail = String((error as ExternalError).data?.stderrTail ?? '').split('\n').find(l => /daemon|connect|permission/i.test(l))
      throw new ExternalError(`Docker is not running or not reachable${detail ? `: ${detail.trim()}` : ''}`, {
        suggestions: ['start the Docker daemon (or Docker Desktop), or point DOCKER_HOST at a running one', 'or build with --builder buildah'],
        cause: error,
      })
    }
  },
  buildCommand(r) {
    return {
      file: 'docker',
      args: [
        'build',
        ...buildFlags(r),
      ],
    }
  },
  tagCommand: (source, target) => ({file: 'docker', args: ['tag', source, target]}),
  loginCommand: (registry, username, authDir) => ({file: 'docker', args: ['--config', authDir, 'login', '--username', username, '--password-stdin', registry]}),
  pushCommand: (ref, authDir) => ({file: 'docker', args: ['--config', authDir, 'push', ref]}),
  async inspect(run, ref, options = {}) {
    try {
      const {stdout} = await run('docker', ['image', 'inspect', '--format', '{{json .}}', ref], options)
      const info = JSON.parse(stdout) as {Id: string; Size: number; Config?: {Labels?: Record<string, string> | null}}
      return {id: info.Id, size: info.Size, labels: info.Config?.Labels ?? {}}
    } catch (error) {
      if (error instanceof ExternalError && /No such image/i.test(String(error.data?.stderrTail))) return undefined
      throw error
    }
  },
  async pushedDigest(output) {
    return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1]
  },
}

/**
 * The `build` flags docker and buildah share: Dockerfile, image-id file, platform, build args, context. No
 * --tag: the tags end in the image id, so they are added once the build has written it.
 */
function buildFlags(r: Parameters<ImageBuilder['buildCommand']>[0]): string[] {
  return [
    '--file', r.dockerfile,
    '--iidfile', r.iidFile,
    ...(r.platform ? ['--platform', r.platform] : []),
    ...Object.entries(r.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    r.contextDir,
  ]
}

export const buildahBuilder: ImageBuilder = {
  name: 'buildah',
  async health(run, options = {}) {
    await run('buildah', ['version'], {...options, missingHint: BUILDAH_HINT, timeoutMs: 15_000})
  },
  buildCommand(r) {
    return {
      file: 'buildah',
      args: [
        'build',
        '--isolation', 'chroot',
        '--layers',
        ...buildFlags(r),
      ],
    }
  },
  tagCommand: (source, target) => ({file: 'buildah', args: ['tag', source, target]}),
  loginCommand: (registry, username, authDir) => ({file: 'buildah', args: ['login', '--authfile', `${authDir}/auth.json`, '--username', username, '--password-stdin', registry]}),
  pushCommand: (ref, authDir, digestFile) => ({file: 'buildah', args: ['push', '--authfile', `${authDir}/auth.json`, '--digestfile', digestFile, ref, `docker://${ref}`]}),
  async inspect(run, ref, options = {}) {
    try {
      const {stdout} = await run('buildah', ['inspect', '--type', 'image', ref], options)
      const info = JSON.parse(stdout) as {FromImageID: string; OCIv1?: {config?: {Labels?: Record<string, string>}}}
      const {stdout: listed} = await run('buildah', ['images', '--json', '--no-trunc', ref], options)
      const [entry] = JSON.parse(listed) as Array<{size?: string | number}>
      return {id: info.FromImageID, size: parseSize(entry?.size), labels: info.OCIv1?.config?.Labels ?? {}}
    } catch (error) {
      if (error instanceof ExternalError && /unknown|not found|no such/i.test(String(error.data?.stderrTail))) return undefined
      throw error
    }
  },
  async pushedDigest(_output, digestFile) {
    const text = await readFile(digestFile, 'utf8').catch(() => '')
    return /sha256:[0-9a-f]{64}/.exec(text)?.[0]
  },
}

export function builderFor(name: Builder): ImageBuilder {
  return name === 'buildah' ? buildahBuilder : dockerBuilder
}

/** buildah prints sizes like "152 MB"; docker gives bytes. */
function parseSize(size: string | number | undefined): number {
  if (typeof size === 'number') return size
  const m = /^([\d.]+)\s*(B|kB|KB|MB|GB)?$/i.exec(String(size ?? '').trim())
  if (!m) return 0
  const unit = {B: 1, KB: 1e3, MB: 1e6, GB: 1e9}[(m[2] ?? 'B').toUpperCase() as 'B' | 'KB' | 'MB' | 'GB']
  return Math.round(Number(m[1]) * unit)
}
