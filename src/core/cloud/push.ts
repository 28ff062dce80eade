import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Builder, CloudConfig} from './config.js'
import {UserError} from '../errors.js'
import {formatCommand, runCommand, type CommandRunner} from '../exec.js'
import {builderFor} from '../image/builders.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {awsTarget} from './aws.js'
import {Ecr, lifecyclePolicy, type RepositorySettings} from './ecr.js'
import {Ledger} from './ledger.js'
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
  plan: PlanStep[]
}

/**
 * Puts locally built images into ECR: ensures the repository (scan on push, immutable tags, lifecycle policy),
 * refuses to overwrite an existing tag of an immutable repository, logs in with a short-lived token into a
 * throw-away auth directory, pushes, and records every repository/image it created in the ledger.
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
      plan: [
        step('aws', 'ECR DescribeRepositories', repository),
        step('aws', 'ECR CreateRepository (when missing)', repository, {imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE', scanOnPush: settings.scanOnPush, tags: settings.tags}),
        ...repositorySettingSteps(repository, settings),
        ...tags.map(tag => step('aws', 'ECR DescribeImages', `${repository}:${tag}`)),
        step('aws', 'ECR GetAuthorizationToken', region),
        step('command', `${builder.name} login`, host, {command: `${formatCommand(login.file, login.args)} <<< ***`}),
        ...options.images.flatMap((local, i) => pushSteps(builder, local, `${host}/${repository}:${tags[i]}`, authDir)),
      ],
    }
  }

  const ecr = options.ecr ?? new Ecr(awsTarget(cloud))
  const ledger = await Ledger.open(path.resolve(options.cwd, cloud.state_file), cloud.project)
  const plan: PlanStep[] = []
  try {
    await ecr.checkCredentials()
    const locals = []
    for (const ref of options.images) {
      const image = await builder.inspect(run, ref, {reporter})
      if (!image) throw new UserError(`local image ${ref} not found: build it first with \`sentiops build\``)
      locals.push(image)
    }

    plan.push(step('aws', 'ECR DescribeRepositories', repository))
    let repo = await ecr.describeRepository(repository)
    let created = false
    if (!repo) {
      plan.push(step('aws', 'ECR CreateRepository (when missing)', repository, {imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE', scanOnPush: settings.scanOnPush, tags: settings.tags}))
      await ledger.intend({type: 'ecr-repository', region, name: repository})
      repo = await ecr.createRepository(repository, settings)
      await ledger.confirm({type: 'ecr-repository', region, name: repository})
      created = true
      reporter.info(`created ECR repository ${repo.uri}`)
    }
    plan.push(...repositorySettingSteps(repository, settings))
    await ecr.applySettings(repository, settings)

    const pending: Array<{local: string; tag: string; imageId: string}> = []
    const results: PushedImage[] = []
    for (const [i, local] of options.images.entries()) {
      const tag = tags[i]!
      plan.push(step('aws', 'ECR DescribeImages', `${repository}:${tag}`))
      const existing = await ecr.findImage(repository, tag)
      const recorded = ledger.find({type: 'ecr-image', region, repository, tag})
      if (existing && recorded?.type === 'ecr-image' && recorded.imageId === locals[i]!.id && recorded.digest === existing) {
        reporter.info(`${repository}:${tag} is already in ECR (${existing}); not pushing it again`)
        results.push({tag, ref: `${repository}:${tag}`, digest: existing, alreadyPresent: true})
        continue
      }
      if (existing && repo.mutability === 'IMMUTABLE') {
        throw new UserError(`tag ${tag} already exists in the immutable ECR repository ${repository} (${existing}) and holds a different image`, {
          suggestions: [
            'register a new model version or build from a new commit, so the image gets new tags',
            'or push only the tags that are new with --image',
          ],
          data: {repository, tag, digest: existing},
        })
      }
      if (existing) reporter.warn(`${repository}:${tag} exists and will be overwritten (the repository has mutable tags)`)
      pending.push({local, tag, imageId: locals[i]!.id})
    }

    plan.push(step('aws', 'ECR GetAuthorizationToken', region))
    const login = await ecr.login()
    const host = cloud.ecr.registry_host || login.registry
    const authDir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-auth-'))
    try {
      const loginCmd = builder.loginCommand(host, login.username, authDir)
      plan.push(step('command', `${builder.name} login`, host, {command: `${formatCommand(loginCmd.file, loginCmd.args)} <<< ***`}))
      await run(loginCmd.file, loginCmd.args, {input: login.password, secrets: [login.password], reporter, failureHint: `check that ${host} is reachable and the token is valid`})
      for (const {local, tag, imageId} of pending) {
        const remote = `${host}/${repository}:${tag}`
        const digestFile = digestFileFor(authDir, remote)
        const [tagStep, pushStep] = pushSteps(builder, local, remote, authDir)
        plan.push(tagStep!, pushStep!)
        const tagCmd = builder.tagCommand(local, remote)
        await run(tagCmd.file, tagCmd.args, {reporter})
        await ledger.intend({type: 'ecr-image', region, repository, tag, imageId})
        reporter.info(`pushing ${remote}`)
        const pushCmd = builder.pushCommand(remote, authDir, digestFile)
        const pushed = await run(pushCmd.file, pushCmd.args, {reporter, timeoutMs: 30 * 60_000, secrets: [login.password]})
        const digest = await builder.pushedDigest(pushed.stdout, digestFile)
        await ledger.confirm({type: 'ecr-image', region, repository, tag, imageId, ...(digest ? {digest} : {})})
        results.push({tag, ref: remote, digest, alreadyPresent: false})
      }
    } finally {
      await rm(authDir, {recursive: true, force: true})
    }
    return {dryRun: false, repository, repositoryUri: repo.uri, repositoryCreated: created, registry: host, images: results, plan}
  } finally {
    if (!options.ecr) ecr.destroy()
  }
}

function repositorySettingSteps(repository: string, settings: RepositorySettings): PlanStep[] {
  return [
    step('aws', 'ECR PutImageTagMutability', repository, {imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE'}),
    step('aws', 'ECR PutImageScanningConfiguration', repository, {scanOnPush: settings.scanOnPush}),
    step('aws', 'ECR PutLifecyclePolicy', repository, {lifecyclePolicyText: lifecyclePolicy(settings.keepImages)}),
  ]
}

function pushSteps(builder: ReturnType<typeof builderFor>, local: string, remote: string, authDir: string): PlanStep[] {
  const tag = builder.tagCommand(local, remote)
  const push = builder.pushCommand(remote, authDir, digestFileFor(authDir, remote))
  return [
    step('command', `${builder.name} tag`, remote, {command: formatCommand(tag.file, tag.args)}),
    step('command', `${builder.name} push`, remote, {command: formatCommand(push.file, push.args)}),
  ]
}

function digestFileFor(authDir: string, remote: string): string {
  return path.join(authDir, `${tagOf(remote)}.digest`)
}

/** The tag part of `name:tag` (a digest reference or a missing tag is refused). */
function tagOf(ref: string): string {
  const m = /^[^@]+:([\w][\w.-]{0,127})$/.exec(ref)
  if (!m || ref.lastIndexOf(':') < ref.lastIndexOf('/')) throw new UserError(`image reference ${ref} has no tag: pass NAME:TAG`)
  return m[1]!
}
