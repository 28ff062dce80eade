import {CloudFormationClient, CreateStackCommand} from '@aws-sdk/client-cloudformation'
import {AllocateAddressCommand, CreateNatGatewayCommand, CreateSubnetCommand, CreateVolumeCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, EC2Client, type ResourceType} from '@aws-sdk/client-ec2'
import {CreateRepositoryCommand, ECRClient} from '@aws-sdk/client-ecr'
import {CreateClusterCommand, CreateNodegroupCommand, EKSClient} from '@aws-sdk/client-eks'
import {CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client} from '@aws-sdk/client-elastic-load-balancing-v2'
import {CreateBucketCommand, PutBucketTaggingCommand, S3Client} from '@aws-sdk/client-s3'

/**
 * Creates, straight through the AWS APIs (moto) and behind the ledger's back, what a cluster `demo` of
 * project `sentiops` leaves in an account, plus decoys that belong to someone else.
 */

export interface Planted {
  /** What the sweep must find (kind label and delete-ID), in the sweep's order. */
  ours: {loadBalancer: string; targetGroup: string; nat: string; eip: string; volume: string; stackSecurityGroup: string}
  decoys: {sharedVolume: string; otherClusterVolume: string; otherLoadBalancer: string}
}

const REGION = 'us-east-1'
const tags = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({Key, Value}))
const spec = (ResourceType: ResourceType, t: Record<string, string>) => [{ResourceType, Tags: tags(t)}]

export async function plantBehindTheLedger(endpoint: string): Promise<Planted> {
  const opts = {region: REGION, endpoint}
  const ec2 = new EC2Client(opts)
  const elb = new ElasticLoadBalancingV2Client(opts)
  const cfn = new CloudFormationClient(opts)
  const ecr = new ECRClient(opts)
  const eks = new EKSClient(opts)
  const s3 = new S3Client({...opts, forcePathStyle: true})
  try {
    const vpc = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.0.0.0/16'}))).Vpc!.VpcId!
    const subnetA = (await ec2.send(new CreateSubnetCommand({VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a'}))).Subnet!.SubnetId!
    const subnetB = (await ec2.send(new CreateSubnetCommand({VpcId: vpc, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b'}))).Subnet!.SubnetId!

    // eksctl's NAT gateway and its Elastic IP (eksctl tags them with the cluster name).
    const eip = (await ec2.send(new AllocateAddressCommand({Domain: 'vpc', TagSpecifications: spec('elastic-ip', {'alpha.eksctl.io/cluster-name': 'demo'})}))).AllocationId!
    const nat = (await ec2.send(new CreateNatGatewayCommand({SubnetId: subnetA, AllocationId: eip, TagSpecifications: spec('natgateway', {'eksctl.cluster.k8s.io/v1alpha1/cluster-name': 'demo'})}))).NatGateway!.NatGatewayId!
    // A PersistentVolume's EBS volume (the EBS CSI driver tags it kubernetes.io/cluster/<name>=owned).
    const volume = (await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, TagSpecifications: spec('volume', {'kubernetes.io/cluster/demo': 'owned'})}))).VolumeId!
    // The NLB a LoadBalancer Service made, and the target group of the AWS Load Balancer Controller.
    const loadBalancer = (await elb.send(new CreateLoadBalancerCommand({Name: 'k8s-sentiops-api', Type: 'network', Subnets: [subnetA, subnetB], Tags: tags({'kubernetes.io/service-name': 'sentiops/sentiment-api', 'kubernetes.io/cluster/demo': 'owned'})}))).LoadBalancers![0]!.LoadBalancerArn!
    const targetGroup = (await elb.send(new CreateTargetGroupCommand({Name: 'k8s-sentiops-api-tg', Protocol: 'TCP', Port: 8080, VpcId: vpc, TargetType: 'ip', Tags: tags({'elbv2.k8s.aws/cluster': 'demo'})}))).TargetGroups![0]!.TargetGroupArn!
    // eksctl's stacks: the nodegroup stack and the cluster stack (which owns a security group, tagged by CloudFormation).
    for (const name of ['eksctl-demo-nodegroup-ng-1', 'eksctl-demo-cluster']) {
      const template = name.endsWith('-cluster') ? {Resources: {ControlPlaneSecurityGroup: {Type: 'AWS::EC2::SecurityGroup', Properties: {GroupDescription: 'eksctl control plane', VpcId: vpc}}}} : {Resources: {Handle: {Type: 'AWS::CloudFormation::WaitConditionHandle'}}}
      await cfn.send(new CreateStackCommand({StackName: name, TemplateBody: JSON.stringify(template), Tags: tags({'alpha.eksctl.io/cluster-name': 'demo', 'sentiops.io/project': 'sentiops'})}))
    }
    await ecr.send(new CreateRepositoryCommand({repositoryName: 'sentiops-ci', tags: tags({'sentiops.io/project': 'sentiops'})}))
    await eks.send(new CreateClusterCommand({name: 'demo', roleArn: 'arn:aws:iam::123456789012:role/eksctl-demo-cluster-ServiceRole', resourcesVpcConfig: {subnetIds: [subnetA, subnetB]}, tags: {'sentiops.io/project': 'sentiops'}}))
    await eks.send(new CreateNodegroupCommand({clusterName: 'demo', nodegroupName: 'ng-1', nodeRole: 'arn:aws:iam::123456789012:role/ng', subnets: [subnetA]}))

    // Decoys: a subnet-like shared volume, another cluster's volume and load balancer, an untagged
    // repository and cluster, and the artifact bucket (tagged, but kept on purpose).
    const sharedVolume = (await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, TagSpecifications: spec('volume', {'kubernetes.io/cluster/demo': 'shared'})}))).VolumeId!
    const otherClusterVolume = (await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8, TagSpecifications: spec('volume', {'kubernetes.io/cluster/staging': 'owned'})}))).VolumeId!
    const otherLoadBalancer = (await elb.send(new CreateLoadBalancerCommand({Name: 'k8s-staging-api', Type: 'network', Subnets: [subnetA, subnetB], Tags: tags({'kubernetes.io/service-name': 'sentiops/sentiment-api', 'kubernetes.io/cluster/staging': 'owned'})}))).LoadBalancers![0]!.LoadBalancerArn!
    await ecr.send(new CreateRepositoryCommand({repositoryName: 'someone-else'}))
    await eks.send(new CreateClusterCommand({name: 'staging', roleArn: 'arn:aws:iam::123456789012:role/r', resourcesVpcConfig: {subnetIds: [subnetA]}}))
    await s3.send(new CreateBucketCommand({Bucket: 'demo-artifacts'}))
    await s3.send(new PutBucketTaggingCommand({Bucket: 'demo-artifacts', Tagging: {TagSet: tags({'sentiops.io/project': 'sentiops'})}}))

    const stackSecurityGroup = (await ec2.send(new DescribeSecurityGroupsCommand({Filters: [{Name: 'tag:aws:cloudformation:stack-name', Values: ['eksctl-demo-cluster']}]}))).SecurityGroups?.[0]?.GroupId ?? ''
    return {ours: {loadBalancer, targetGroup, nat, eip, volume, stackSecurityGroup}, decoys: {sharedVolume, otherClusterVolume, otherLoadBalancer}}
  } finally {
    for (const c of [ec2, elb, cfn, ecr, eks, s3]) c.destroy()
  }
}
