import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Builder, CloudConfig} from './config.js'
import {UserError} from '../errors.js'
import {formatCommand, runCommand, type CommandRunner} from '../exec.js'
import {builderFor} from '../image/builders.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {awsTarget} from './aws.js'
import {Ecr, lifecyclePolicy, type RemoteImage, type RepositorySettings} from './ecr.js'
import {openLedger} from './ledger.js'
import {step, type PlanStep} from './plan.js'

export interface PushImageOptions {
  cwd: string
  cloud: CloudConfig
  /** Local references to push, e.g. ["sentiops:3f2a9c1b7d0e", "sentiops:sentiment-4"]. */
  images: readonly string[]
  builder?: Builder
  dryRun?: boolean
  run?: CommandRunner
  reporter?: Reporter
  /** Injected in tests; built from cloud.region / cloud.endpoint_url otherwise. */
  ecr?: Ecr
}

export interface PushedImage {
  tag: string
  /** Registry reference, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e-9b1c2d3e4f5a. */
  ref: string
  digest?: string
  /** True when this exact image was already in the repository under that tag (nothing sent). */
  alreadyPresent: boolean
}

export interface PushImageResult {
  dryRun: boolean
  repository: string
  repositoryUri?: string
  repositoryCreated: boolean
  registry?: string
  images: PushedImage[]
  /** True when the repository already held every tag with this image: nothing was created, changed or sent. */
  upToDate: boolean
  plan: PlanStep[]
}

/**
 * Puts locally built images into ECR: ensures the repository (scan on push, immutable tags, lifecycle policy),
 * skips every tag the repository already holds with the same image, refuses a tag that holds another image
 * (whatever the repository's mutability: push never replaces a tag), logs in with a short-lived token into a
 * throw-away auth directory, pushes the rest, and records every repository/image it created in the ledger.
 * "The same image" is decided by ECR's own record (manifest and config digests), not by the local ledger, so
 * a second machine or a re-run of CD sees it too.
 */
export async function pushImage(options: PushImageOptions): Promise<PushImageResult> {
  const {cloud} = options
  const run = options.run ?? runCommand
  const reporter = options.reporter ?? silentReporter
  const builder = builderFor(options.builder ?? cloud.image.builder)
  const repository = cloud.image.repository
  const region = cloud.region
  const tags = options.images.map(ref => tagOf(ref))
  const settings: RepositorySettings = {
    scanOnPush: cloud.ecr.scan_on_push,
    immutableTags: cloud.ecr.immutable_tags,
    keepImages: cloud.ecr.keep_images,
    tags: {'sentiops.io/project': cloud.project, 'sentiops.io/created-by': 'sentiops'},
  }
  const mutability = settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE'
  if (options.images.length === 0) throw new UserError('nothing to push: build an image first (`sentiops build`) or pass --image')

  if (options.dryRun) {
    const host = cloud.ecr.registry_host || `ACCOUNT.dkr.ecr.${region}.amazonaws.com`
    const authDir = path.join(os.tmpdir(), 'sentiops-auth-XXXXXX')
    const login = builder.loginCommand(host, 'AWS', authDir)
    return {
      dryRun: true,
      repository,
      repositoryCreated: false,
      images: tags.map(tag => ({tag, ref: `${host}/${repository}:${tag}`, alreadyPresent: false})),
      upToDate: false,
      plan: [
        step('aws', 'ECR DescribeRepositories', repository, {requireTagMutability: mutability}),
        step('aws', 'ECR CreateRepository (when missing)', repository, {imageTagMutability: mutability, scanOnPush: settings.scanOnPush, tags: settings.tags}),
        ...settingSteps(repository, settings, ['PutImageScanningConfiguration', 'PutLifecyclePolicy'], ' (when different)'),
        imagesStep(repository, tags),
        step('aws', 'ECR GetAuthorizationToken (when a tag is missing)', region),
        step('command', `${builder.name} login`, host, {command: `${formatCommand(login.file, login.args)} <<< ***`}),
        ...options.images.flatMap((local, i) => pushSteps(builder, local, `${host}/${repository}:${tags[i]}`, authDir, ' (when missing)')),
      ],
    }
  }

  const ecr = options.ecr ?? new Ecr(awsTarget(cloud))
  const ledger = await openLedger(options.cwd, cloud)
  const plan: PlanStep[] = []
  try {
    await ecr.checkCredentials()
    const localIds: string[] = []
    for (const ref of options.images) {
      const image = await builder.inspect(run, ref, {reporter})
      if (!image) throw new UserError(`local image ${ref} not found: build it first with \`sentiops build\``)
      localIds.push(normalizeId(image.id))
    }

    plan.push(step('aws', 'ECR DescribeRepositories', repository, {requireTagMutability: mutability}))
    let repo = await ecr.describeRepository(repository)
    let created = false
    if (repo && repo.mutability !== mutability) throw mutabilityMismatch(repository, repo.mutability, mutability)
    if (!repo) {
      plan.push(step('aws', 'ECR CreateRepository (when missing)', repository, {imageTagMutability: mutability, scanOnPush: settings.scanOnPush, tags: settings.tags}))
      await ledger.intend({type: 'ecr-repository', region, name: repository})
      repo = await ecr.createRepository(repository, settings)
      await ledger.confirm({type: 'ecr-repository', region, name: repository})
      created = true
      reporter.info(`created ECR repository ${repo.uri}`)
    }
    const changed = await ecr.applySettings(repo, settings)
    plan.push(...settingSteps(repository, settings, changed))
    const host = cloud.ecr.registry_host || repo.uri.split('/')[0]!

    plan.push(imagesStep(repository, tags))
    const remote = await ecr.getImages(repository, tags)
    const pending: Array<{local: string; tag: string; imageId: string}> = []
    const results: PushedImage[] = []
    for (const [i, local] of options.images.entries()) {
      const tag = tags[i]!
      const imageId = localIds[i]!
      const existing = remote.get(tag)
      if (!existing) {
        pending.push({local, tag, imageId})
        continue
      }
      const recorded = ledger.find({type: 'ecr-image', region, repository, tag})
      const pushedFromHere = recorded?.type === 'ecr-image' && recorded.imageId !== undefined && normalizeId(recorded.imageId) === imageId && recorded.digest === existing.digest
      if (!(existing.digest === imageId || existing.configDigest === imageId || pushedFromHere)) throw tagHoldsAnotherImage(repository, tag, local, imageId, existing)
      reporter.info(`${repository}:${tag} is already in ECR with this image (${existing.digest}); not pushing it again`)
      results.push({tag, ref: `${host}/${repository}:${tag}`, digest: existing.digest, alreadyPresent: true})
    }
    if (pending.length === 0) {
      return {dryRun: false, repository, repositoryUri: repo.uri, repositoryCreated: created, registry: host, images: results, upToDate: !created && changed.length === 0, plan}
    }

    plan.push(step('aws', 'ECR GetAuthorizationToken', region))
    const login = await ecr.login()
    const authDir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-auth-'))
    try {
      const loginCmd = builder.loginCommand(host, login.username, authDir)
      plan.push(step('command', `${builder.name} login`, host, {command: `${formatCommand(loginCmd.file, loginCmd.args)} <<< ***`}))
      await run(loginCmd.file, loginCmd.args, {input: login.password, secrets: [login.password], reporter, failureHint: `check that ${host} is reachable and the token is valid`})
      for (const {local, tag, imageId} of pending) {
        const remoteRef = `${host}/${repository}:${tag}`
        const digestFile = digestFileFor(authDir, remoteRef)
        plan.push(...pushSteps(builder, local, remoteRef, authDir))
        const tagCmd = builder.tagCommand(local, remoteRef)
        await run(tagCmd.file, tagCmd.args, {reporter})
        await ledger.intend({type: 'ecr-image', region, repository, tag, imageId})
        reporter.info(`pushing ${remoteRef}`)
        const pushCmd = builder.pushCommand(remoteRef, authDir, digestFile)
        const pushed = await run(pushCmd.file, pushCmd.args, {reporter, timeoutMs: 30 * 60_000, secrets: [login.password]})
        const digest = await builder.pushedDigest(pushed.stdout, digestFile)
        await ledger.confirm({type: 'ecr-image', region, repository, tag, imageId, ...(digest ? {digest} : {})})
        results.push({tag, ref: remoteRef, digest, alreadyPresent: false})
      }
    } finally {
      await rm(authDir, {recursive: true, force: true})
    }
    results.sort((a, b) => tags.indexOf(a.tag) - tags.indexOf(b.tag))
    return {dryRun: false, repository, repositoryUri: repo.uri, repositoryCreated: created, registry: host, images: results, upToDate: false, plan}
  } finally {
    ledger.close()
    if (!options.ecr) ecr.destroy()
  }
}

/** sentiops never changes the tag mutability of a repository it finds: that is the owner's decision. */
function mutabilityMismatch(repository: string, actual: string, wanted: string): UserError {
  return new UserError(`ECR repository ${repository} exists with ${actual} tags but cloud.ecr.immutable_tags wants ${wanted}; sentiops does not change an existing repository's tag mutability`, {
    suggestions: [
      `make it ${wanted} yourself: aws ecr put-image-tag-mutability --repository-name ${repository} --image-tag-mutability ${wanted}`,
      `or set cloud.ecr.immutable_tags: ${actual === 'IMMUTABLE'} in params.yaml, or push to another repository with --set cloud.image.repository=NAME`,
    ],
    data: {repository, actual, wanted},
  })
}

function tagHoldsAnotherImage(repository: string, tag: string, local: string, imageId: string, existing: RemoteImage): UserError {
  return new UserError(`tag ${tag} already exists in ECR repository ${repository} with another image (${existing.digest}${existing.configDigest ? `, config ${existing.configDigest}` : ''}), not ${local} (${imageId}); push never replaces a tag`, {
    suggestions: [
      'tags sentiops builds end in the image id, so this tag was pushed by something else or the local tag was moved: rebuild with `sentiops build` and push its tags',
      'or push to another repository with --set cloud.image.repository=NAME',
    ],
    data: {repository, tag, digest: existing.digest, configDigest: existing.configDigest, localImageId: imageId},
  })
}

function settingSteps(repository: string, settings: RepositorySettings, operations: readonly string[], qualifier = ''): PlanStep[] {
  const details: Record<string, Record<string, unknown>> = {
    PutImageScanningConfiguration: {scanOnPush: settings.scanOnPush},
    PutLifecyclePolicy: {lifecyclePolicyText: lifecyclePolicy(settings.keepImages)},
  }
  return operations.map(op => step('aws', `ECR ${op}${qualifier}`, repository, details[op]))
}

function imagesStep(repository: string, tags: readonly string[]): PlanStep {
  return step('aws', 'ECR BatchGetImage', `${repository}:${tags.join(',')}`, {compare: 'manifest and config digest with the local image id; the same image is skipped, another image is refused'})
}

function pushSteps(builder: ReturnType<typeof builderFor>, local: string, remote: string, authDir: string, qualifier = ''): PlanStep[] {
  const tag = builder.tagCommand(local, remote)
  const push = builder.pushCommand(remote, authDir, digestFileFor(authDir, remote))
  return [
    step('command', `${builder.name} tag${qualifier}`, remote, {command: formatCommand(tag.file, tag.args)}),
    step('command', `${builder.name} push${qualifier}`, remote, {command: formatCommand(push.file, push.args)}),
  ]
}

function digestFileFor(authDir: string, remote: string): string {
  return path.join(authDir, `${tagOf(remote)}.digest`)
}

/** `sha256:<hex>` whichever way a builder spells its image id. */
function normalizeId(id: string): string {
  return id.startsWith('sha256:') ? id : `sha256:${id}`
}

/** The tag part of `name:tag` (a digest reference or a missing tag is refused). */
function tagOf(ref: string): string {
  const m = /^[^@]+:([\w][\w.-]{0,127})$/.exec(ref)
  if (!m || ref.lastIndexOf(':') < ref.lastIndexOf('/')) throw new UserError(`image reference ${ref} has no tag: pass NAME:TAG`)
  return m[1]!
}
