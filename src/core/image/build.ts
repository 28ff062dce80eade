import {createHash} from 'node:crypto'
import {mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Builder, CloudConfig, ModelSource} from '../cloud/config.js'
import {formatPlan, step, type PlanStep} from '../cloud/plan.js'
import type {Params} from '../config/index.js'
import {UserError} from '../errors.js'
import {formatCommand, runCommand, type CommandRunner} from '../exec.js'
import {resolveModelSource} from '../model-source.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {SENTIOPS_VERSION} from '../version.js'
import {builderFor} from './builders.js'
import {packageRoot, SERVER_ENTRIES, stageBuildContext} from './context.js'
import {sourceRevision, type SourceRevision} from './revision.js'

export interface BuildImageOptions {
  cwd: string
  params: Params
  cloud: CloudConfig
  /** Bundle directory or models:/ URI; default: params serve.model. */
  model?: string
  baseImage?: string
  builder?: Builder
  modelSource?: ModelSource
  trackingUri?: string
  dryRun?: boolean
  /** The sentiops installation whose compiled server goes into the image (default: this package). */
  appRoot?: string
  run?: CommandRunner
  reporter?: Reporter
  now?: () => Date
  env?: NodeJS.ProcessEnv
}

export interface ModelInImage {
  name: string
  version: string
  source: ModelSource
  /** What the server loads: /app/model when baked, the models:/ URI otherwise. */
  serverModel: string
  /** The reference the user gave. */
  reference: string
}

export interface BuildImageResult {
  dryRun: boolean
  builder: Builder
  baseImage: string
  /**
   * Local references, the first one is the primary: `<repo>:<sha12>[-dirty]-<id12>` and, for a baked model,
   * `<repo>:<model>-<version>-<id12>`. In a dry run the id is not known yet and reads IMAGE_ID_PLACEHOLDER.
   */
  tags: string[]
  model: ModelInImage
  revision: SourceRevision
  labels: Record<string, string>
  plan: PlanStep[]
  imageId?: string
  /** Whole image, base included. */
  sizeBytes?: number
  /** What this build adds on top of the base image. */
  appLayersBytes?: number
  buildSeconds?: number
}

const BAKED_MODEL_PATH = '/app/model'

export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const run = options.run ?? runCommand
  const reporter = options.reporter ?? silentReporter
  const {cloud, params} = options
  const builder = builderFor(options.builder ?? cloud.image.builder)
  const baseImage = options.baseImage ?? cloud.image.base_image
  const source = options.modelSource ?? cloud.image.model_source
  const reference = options.model ?? params.serve.model

  const model = await resolveModel(reference, source, params.register.model_name, options)
  const revision = await sourceRevision(options.cwd, run, reporter, options.env)
  const created = (options.now ?? (() => new Date()))().toISOString()
  const buildArgs: Record<string, string> = {
    BASE_IMAGE: baseImage,
    APP_UID: String(cloud.image.uid),
    PORT: String(params.serve.port),
    SENTIOPS_MODEL: model.serverModel,
    SOURCE: revision.source,
    REVISION: revision.sha,
    CREATED: created,
    VERSION: SENTIOPS_VERSION,
    MODEL_NAME: model.name,
    MODEL_VERSION: model.version,
  }
  const labels = {
    'org.opencontainers.image.source': revision.source,
    'org.opencontainers.image.revision': revision.sha,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.version': SENTIOPS_VERSION,
    'io.sentiops.model.name': model.name,
    'io.sentiops.model.version': model.version,
  }

  const contextDir = options.dryRun ? path.join(os.tmpdir(), 'sentiops-build-XXXXXX') : await mkdtemp(path.join(os.tmpdir(), 'sentiops-build-'))
  const iidFile = path.join(contextDir, '.iid')
  const build = builder.buildCommand({
    contextDir,
    dockerfile: path.join(contextDir, 'Dockerfile'),
    buildArgs,
    iidFile,
    platform: cloud.image.platform,
  })
  const plan: PlanStep[] = [
    step('file', 'stage build context', contextDir, {
      app: 'server files traced from bin/run.js and dist/commands/serve.js',
      ...(model.source === 'baked' ? {model: `${path.resolve(options.cwd, model.reference)} -> app/model`} : {}),
    }),
    step('command', `${builder.name} build`, cloud.image.repository, {command: formatCommand(build.file, build.args)}),
  ]
  const tagSteps = (imageId: string) => imageTags(cloud.image.repository, revision, model, imageId).map(tag => {
    const command = builder.tagCommand(imageId, tag)
    return {tag, command, step: step('command', `${builder.name} tag`, tag, {command: formatCommand(command.file, command.args)})}
  })
  const result: BuildImageResult = {dryRun: Boolean(options.dryRun), builder: builder.name, baseImage, tags: [], model, revision, labels, plan}
  if (options.dryRun) {
    const planned = tagSteps(IMAGE_ID_PLACEHOLDER)
    plan.push(...planned.map(t => t.step))
    reporter.debug(formatPlan('build plan', plan))
    return {...result, tags: planned.map(t => t.tag)}
  }

  try {
    await builder.health(run, {reporter})
    reporter.info(`staging the build context (${model.source === 'baked' ? `model ${model.name} ${model.version} baked in` : `model fetched at start from ${model.serverModel}`})`)
    await stageBuildContext({
      appRoot: options.appRoot ?? packageRoot(),
      outDir: contextDir,
      modelDir: model.source === 'baked' ? path.resolve(options.cwd, model.reference) : undefined,
      // A registry image may read its model from an s3:// artifact root: only then does the S3 SDK ship.
      ...(model.source === 'registry' ? {entries: [...SERVER_ENTRIES, 'dist/core/tracking/rest-store/s3-sdk.js']} : {}),
      reporter,
    })
    reporter.info(`building ${cloud.image.repository} with ${builder.name} from ${baseImage}`)
    const started = performance.now()
    await run(build.file, build.args, {
      reporter,
      timeoutMs: 30 * 60_000,
      failureHint: `check that the base image ${baseImage} exists locally or can be pulled, and that it provides node`,
    })
    const buildSeconds = (performance.now() - started) / 1000
    const imageId = (await readFile(iidFile, 'utf8')).trim()
    const tagged = tagSteps(imageId)
    for (const {command, step: tagStep} of tagged) {
      plan.push(tagStep)
      await run(command.file, command.args, {reporter})
    }
    reporter.info(`tagged ${tagged.map(t => t.tag).join(', ')}`)
    const image = await builder.inspect(run, imageId, {reporter})
    const base = await builder.inspect(run, baseImage, {reporter})
    return {
      ...result,
      tags: tagged.map(t => t.tag),
      imageId,
      sizeBytes: image?.size,
      appLayersBytes: image && base ? image.size - base.size : undefined,
      buildSeconds: Math.round(buildSeconds * 10) / 10,
    }
  } finally {
    await rm(contextDir, {recursive: true, force: true})
  }
}

async function resolveModel(reference: string, source: ModelSource, defaultName: string, options: BuildImageOptions): Promise<ModelInImage> {
  const isUri = /^(models|runs):\//.test(reference)
  if (source === 'registry') {
    if (!/^models:\//.test(reference)) {
      throw new UserError(`model_source = registry needs a models:/ URI for --model, got ${JSON.stringify(reference)}`, {
        suggestions: ['pass --model models:/NAME@ALIAS, or use --model-source baked to copy a bundle directory into the image'],
      })
    }
    const [name = defaultName, selector = 'latest'] = reference.slice('models:/'.length).split(/[@/]/)
    return {name, version: selector, source, serverModel: reference, reference}
  }
  const resolved = await resolveModelSource(reference, {cwd: options.cwd, reporter: options.reporter ?? silentReporter, trackingUri: options.trackingUri})
  const dir = resolved.dir
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) {
    throw new UserError(`model bundle not found: ${dir} is not a directory`, {
      suggestions: ['train one with `sentiops repro`, or pass --model with a bundle directory or a models:/ URI'],
    })
  }
  return {
    name: resolved.name ?? defaultName,
    version: resolved.version ?? (isUri ? 'unknown' : `local-${(await dirHash(dir)).slice(0, 12)}`),
    source,
    serverModel: BAKED_MODEL_PATH,
    reference: dir,
  }
}

/** Stands for the image id in the tags a dry run shows (the id exists only once the image is built). */
export const IMAGE_ID_PLACEHOLDER = 'IMAGEID'

/**
 * The image's tags. Each ends in the first 12 hex digits of the image id (the digest of the image config, or
 * of the manifest with Docker's containerd store), so one tag can never name two different images: a new
 * commit, or a rebuild of the same commit (the created label differs), gets new tags, which an ECR repository
 * with immutable tags accepts. The primary tag leads with the git commit (`-dirty` when the tree has
 * changes, `nogit` outside a checkout); a baked model adds `<model>-<version>-<id12>`.
 */
export function imageTags(repository: string, revision: SourceRevision, model: Pick<ModelInImage, 'name' | 'version' | 'source'>, imageId: string): string[] {
  const id = imageId === IMAGE_ID_PLACEHOLDER ? imageId : imageId.replace(/^sha256:/, '').slice(0, 12)
  const commit = revision.sha ? `${revision.sha.slice(0, 12)}${revision.dirty ? '-dirty' : ''}` : 'nogit'
  const tags = [commit]
  if (model.source === 'baked') tags.push(`${model.name}-${model.version}`)
  // 128 characters at most (the registry's limit), the id suffix included.
  return tags.map(t => `${repository}:${sanitizeTag(t).slice(0, 128 - id.length - 1)}-${id}`)
}

function sanitizeTag(tag: string): string {
  return tag.replace(/[^\w.-]/g, '-').replace(/^[.-]+/, '')
}

/** md5 over the bundle's relative paths and contents: the same bundle always gets the same version tag. */
async function dirHash(dir: string): Promise<string> {
  const hash = createHash('md5')
  const entries = (await readdir(dir, {withFileTypes: true, recursive: true}))
    .filter(e => e.isFile())
    .map(e => path.join(e.parentPath, e.name))
    .sort()
  for (const file of entries) {
    hash.update(path.relative(dir, file).split(path.sep).join('/'))
    hash.update('\0')
    hash.update(await readFile(file))
    hash.update('\0')
  }
  return hash.digest('hex')
}
