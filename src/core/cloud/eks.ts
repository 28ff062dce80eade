import {DescribeClusterCommand, EKSClient} from '@aws-sdk/client-eks'
import {awsError, clientOptions, isAwsNotFound, requireCredentials, type AwsTarget} from './aws.js'

export interface EksClusterInfo {
  name: string
  status: string
  arn?: string
  version?: string
}

/** Thin adapter over the EKS API: sentiops only reads clusters here (eksctl creates and deletes them). */
export class Eks {
  private readonly client: EKSClient

  constructor(readonly target: AwsTarget) {
    this.client = new EKSClient(clientOptions(target))
  }

  async checkCredentials(): Promise<void> {
    await requireCredentials(this.client)
  }

  /** The cluster, or undefined when EKS does not know it. */
  async describeCluster(name: string): Promise<EksClusterInfo | undefined> {
    try {
      const {cluster} = await this.client.send(new DescribeClusterCommand({name}))
      return cluster ? {name, status: cluster.status ?? 'UNKNOWN', arn: cluster.arn, version: cluster.version} : undefined
    } catch (error) {
      if (isAwsNotFound(error)) return undefined
      throw awsError('EKS DescribeCluster', name, error)
    }
  }

  destroy(): void {
    this.client.destroy()
  }
}
