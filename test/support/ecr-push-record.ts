import {DescribeImagesCommand, ECRClient, PutImageCommand} from '@aws-sdk/client-ecr'
import {execa} from 'execa'
import {MOTO_ECR_PASSWORD, type Service} from './ship-services.js'

/**
 * The link real ECR makes between its registry and its API, for the docker-registry + moto stand-in (moto has
 * no /v2 of its own): after a push, the manifest the registry holds under a tag is recorded in moto's ECR with
 * PutImage. moto enforces the repository's tag immutability there as ECR does, so recording another image
 * under an existing tag of an immutable repository fails.
 */

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ')

export function motoEcr(moto: Service): ECRClient {
  return new ECRClient({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'test', secretAccessKey: 'test'}})
}

/** Records `repository:tag` as the registry holds it; returns the manifest digest. */
export async function recordPushInEcr(registry: Service, moto: Service, repository: string, tag: string): Promise<string> {
  const auth = `Basic ${Buffer.from(`AWS:${MOTO_ECR_PASSWORD}`).toString('base64')}`
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {headers: {authorization: auth, accept: MANIFEST_ACCEPT}})
  if (response.status !== 200) throw new Error(`registry has no manifest for ${repository}:${tag} (HTTP ${response.status})`)
  const digest = response.headers.get('docker-content-digest')!
  const manifest = await response.text()
  const ecr = motoEcr(moto)
  try {
    await ecr.send(new PutImageCommand({repositoryName: repository, imageTag: tag, imageManifest: manifest, imageDigest: digest}))
  } finally {
    ecr.destroy()
  }
  return digest
}

/** Tag → manifest digest of every tagged image moto's ECR lists in the repository. */
export async function ecrTags(moto: Service, repository: string): Promise<Record<string, string>> {
  const ecr = motoEcr(moto)
  try {
    const {imageDetails = []} = await ecr.send(new DescribeImagesCommand({repositoryName: repository}))
    return Object.fromEntries(imageDetails.flatMap(d => (d.imageTags ?? []).map(t => [t, d.imageDigest!])))
  } finally {
    ecr.destroy()
  }
}

/**
 * References the Docker daemon pushed since `since` (epoch seconds), from its own event log: an oracle for
 * "nothing was sent" that does not ask the code under test.
 */
export async function daemonPushes(dockerEnv: Record<string, string>, since: number): Promise<string[]> {
  const until = (Date.now() / 1000 + 1).toFixed(3)
  const {stdout} = await execa('docker', ['events', '--since', since.toFixed(3), '--until', until, '--filter', 'type=image', '--filter', 'event=push', '--format', '{{.Actor.ID}}'], {env: dockerEnv})
  return stdout.split('\n').filter(Boolean)
}
