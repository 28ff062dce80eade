import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
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
  mutability: 'MUTABLE' | 'IMMUTABLE'
}

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

  /** Brings an existing repository to the wanted tag mutability, scanning and lifecycle policy. */
  async applySettings(name: string, settings: RepositorySettings): Promise<void> {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['PutImageTagMutability', () => this.client.send(new PutImageTagMutabilityCommand({repositoryName: name, imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE'}))],
      ['PutImageScanningConfiguration', () => this.client.send(new PutImageScanningConfigurationCommand({repositoryName: name, imageScanningConfiguration: {scanOnPush: settings.scanOnPush}}))],
      ['PutLifecyclePolicy', () => this.client.send(new PutLifecyclePolicyCommand({repositoryName: name, lifecyclePolicyText: lifecyclePolicy(settings.keepImages)}))],
    ]
    for (const [operation, call] of calls) {
      try {
        await call()
      } catch (error) {
        throw awsError(`ECR ${operation}`, name, error)
      }
    }
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
    mutability: r.imageTagMutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
  }
}
