import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand,
  type ImageIdentifier,
  type Repository,
} from '@aws-sdk/client-ecr'
import {ExternalError} from '../errors.js'
import {awsError, clientOptions, isAwsNotFound, requireCredentials, type AwsTarget} from './aws.js'

/** Thin adapter over the ECR API: only the calls sentiops makes, with errors turned into one line. */

export interface RepositorySettings {
  scanOnPush: boolean
  immutableTags: boolean
  keepImages: number
  tags: Record<string, string>
}

export interface RepositoryInfo {
  name: string
  uri: string
  registryId: string
  /** As ECR reports it: MUTABLE, IMMUTABLE, or a variant WITH_EXCLUSION. */
  mutability: string
  scanOnPush: boolean
}

/** An image in a repository, as BatchGetImage returns it. */
export interface RemoteImage {
  /** Digest of the manifest (what `repo@sha256:...` pulls). */
  digest: string
  /** Digest of the image config the manifest points to (a single-platform manifest only). */
  configDigest?: string
}

/** Manifest types sentiops' builders push: Docker v2 schema 2 and OCI, single images and indexes. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
]

export interface RegistryLogin {
  /** Registry host, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com. */
  registry: string
  username: string
  password: string
}

/** ECR lifecycle policy that keeps the newest `keep` images of any tag status. */
export function lifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the newest ${keep} images`,
        selection: {tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep},
        action: {type: 'expire'},
      },
    ],
  })
}

export class Ecr {
  private readonly client: ECRClient

  constructor(readonly target: AwsTarget) {
    this.client = new ECRClient(clientOptions(target))
  }

  async checkCredentials(): Promise<void> {
    await requireCredentials(this.client)
  }

  async describeRepository(name: string): Promise<RepositoryInfo | undefined> {
    try {
      const out = await this.client.send(new DescribeRepositoriesCommand({repositoryNames: [name]}))
      return out.repositories?.[0] ? toInfo(out.repositories[0]) : undefined
    } catch (error) {
      if (isAwsNotFound(error)) return undefined
      throw awsError('ECR DescribeRepositories', name, error)
    }
  }

  async createRepository(name: string, settings: RepositorySettings): Promise<RepositoryInfo> {
    try {
      const out = await this.client.send(new CreateRepositoryCommand({
        repositoryName: name,
        imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE',
        imageScanningConfiguration: {scanOnPush: settings.scanOnPush},
        tags: Object.entries(settings.tags).map(([Key, Value]) => ({Key, Value})),
      }))
      return toInfo(out.repository!)
    } catch (error) {
      throw awsError('ECR CreateRepository', name, error)
    }
  }

  /**
   * Brings an existing repository's scanning and lifecycle policy to the wanted values, calling only what
   * differs; returns the operations it called. Tag mutability is never changed here (see push).
   */
  async applySettings(repo: RepositoryInfo, settings: RepositorySettings): Promise<string[]> {
    const calls: Array<[string, () => Promise<unknown>]> = []
    if (repo.scanOnPush !== settings.scanOnPush) {
      calls.push(['PutImageScanningConfiguration', () => this.client.send(new PutImageScanningConfigurationCommand({repositoryName: repo.name, imageScanningConfiguration: {scanOnPush: settings.scanOnPush}}))])
    }
    const wanted = lifecyclePolicy(settings.keepImages)
    if (!samePolicy(await this.lifecyclePolicyText(repo.name), wanted)) {
      calls.push(['PutLifecyclePolicy', () => this.client.send(new PutLifecyclePolicyCommand({repositoryName: repo.name, lifecyclePolicyText: wanted}))])
    }
    for (const [operation, call] of calls) {
      try {
        await call()
      } catch (error) {
        throw awsError(`ECR ${operation}`, repo.name, error)
      }
    }
    return calls.map(([operation]) => operation)
  }

  /** The repository's lifecycle policy text, or undefined when it has none. */
  async lifecyclePolicyText(name: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new GetLifecyclePolicyCommand({repositoryName: name}))).lifecyclePolicyText
    } catch (error) {
      if (isAwsNotFound(error)) return undefined
      throw awsError('ECR GetLifecyclePolicy', name, error)
    }
  }

  /**
   * The image each existing `repository:tag` names (BatchGetImage). One call per tag: the answer is then
   * unambiguous whatever imageTag the service echoes for an image that has several.
   */
  async getImages(repository: string, tags: readonly string[]): Promise<Map<string, RemoteImage>> {
    const found = new Map<string, RemoteImage>()
    for (const tag of tags) {
      let out
      try {
        out = await this.client.send(new BatchGetImageCommand({repositoryName: repository, imageIds: [{imageTag: tag}], acceptedMediaTypes: MANIFEST_TYPES}))
      } catch (error) {
        if (isAwsNotFound(error)) return found
        throw awsError('ECR BatchGetImage', `${repository}:${tag}`, error)
      }
      const failure = out.failures?.find(f => f.failureCode !== 'ImageNotFound' && f.failureCode !== 'ImageTagDoesNotMatchDigest')
      if (failure) throw new ExternalError(`AWS ECR BatchGetImage ${repository}:${tag}: ${failure.failureCode}: ${failure.failureReason}`)
      const image = out.images?.[0]
      if (image?.imageId?.imageDigest) found.set(tag, {digest: image.imageId.imageDigest, configDigest: configDigestOf(image.imageManifest)})
    }
    return found
  }

  /** The digest of `repository:tag`, or undefined when the tag is not in the repository. */
  async findImage(repository: string, tag: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new DescribeImagesCommand({repositoryName: repository, imageIds: [{imageTag: tag}]}))
      return out.imageDetails?.[0]?.imageDigest
    } catch (error) {
      if (isAwsNotFound(error)) return undefined
      throw awsError('ECR DescribeImages', `${repository}:${tag}`, error)
    }
  }

  async login(): Promise<RegistryLogin> {
    let data
    try {
      data = (await this.client.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
    } catch (error) {
      throw awsError('ECR GetAuthorizationToken', this.target.region, error)
    }
    if (!data?.authorizationToken || !data.proxyEndpoint) throw new ExternalError('AWS ECR GetAuthorizationToken returned no token')
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw new ExternalError('AWS ECR GetAuthorizationToken returned a token that is not "user:password"')
    return {registry: new URL(data.proxyEndpoint).host, username: decoded.slice(0, colon), password: decoded.slice(colon + 1)}
  }

  /** All image ids in a repository (empty when the repository does not exist). */
  async listImages(repository: string): Promise<ImageIdentifier[]> {
    const ids: ImageIdentifier[] = []
    let nextToken: string | undefined
    try {
      do {
        const out = await this.client.send(new ListImagesCommand({repositoryName: repository, nextToken}))
        ids.push(...(out.imageIds ?? []))
        nextToken = out.nextToken
      } while (nextToken)
    } catch (error) {
      if (isAwsNotFound(error)) return []
      throw awsError('ECR ListImages', repository, error)
    }
    return ids
  }

  /** Deletes images by tag; already-missing images count as deleted. */
  async deleteImages(repository: string, ids: ImageIdentifier[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 100) {
      try {
        const out = await this.client.send(new BatchDeleteImageCommand({repositoryName: repository, imageIds: ids.slice(i, i + 100)}))
        const failure = out.failures?.find(f => f.failureCode !== 'ImageNotFound' && f.failureCode !== 'ImageTagDoesNotMatchDigest')
        if (failure) throw new ExternalError(`AWS ECR BatchDeleteImage ${repository}: ${failure.failureCode}: ${failure.failureReason}`)
      } catch (error) {
        if (isAwsNotFound(error)) return
        if (error instanceof ExternalError) throw error
        throw awsError('ECR BatchDeleteImage', repository, error)
      }
    }
  }

  /** Deletes the repository and any images left in it; true when it existed. */
  async deleteRepository(name: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteRepositoryCommand({repositoryName: name, force: true}))
      return true
    } catch (error) {
      if (isAwsNotFound(error)) return false
      throw awsError('ECR DeleteRepository', name, error)
    }
  }

  destroy(): void {
    this.client.destroy()
  }
}

function toInfo(r: Repository): RepositoryInfo {
  return {
    name: r.repositoryName!,
    uri: r.repositoryUri!,
    registryId: r.registryId!,
    mutability: r.imageTagMutability ?? 'MUTABLE',
    scanOnPush: r.imageScanningConfiguration?.scanOnPush ?? false,
  }
}

function samePolicy(current: string | undefined, wanted: string): boolean {
  if (current === undefined) return false
  try {
    return JSON.stringify(JSON.parse(current)) === JSON.stringify(JSON.parse(wanted))
  } catch {
    return false
  }
}

function configDigestOf(manifest: string | undefined): string | undefined {
  try {
    const digest = (JSON.parse(manifest ?? '') as {config?: {digest?: unknown}}).config?.digest
    return typeof digest === 'string' ? digest : undefined
  } catch {
    return undefined
  }
}
