import {Flags} from '@oclif/core'
import YAML from 'yaml'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {setFlag} from '../../cli/flags.js'
import {createCluster} from '../../core/cloud/cluster.js'
import {loadShipSettings, setOverridesFromEnv} from '../../core/cloud/config.js'
import {formatPlan} from '../../core/cloud/plan.js'
import {asYamlComment} from '../../core/cloud/template.js'

export default class ClusterCreate extends BaseCommand<typeof ClusterCreate> {
  static override summary = 'Create the EKS cluster with eksctl and write its kubeconfig.'
  static override description = `Renders templates/eksctl/cluster.yaml from the cloud section of params.yaml (region, Kubernetes
version, managed node group instance types and min/max/desired size, OIDC for service accounts, tags marking it
as created by sentiops), validates it against eksctl's ClusterConfig schema, runs \`eksctl create cluster\` and
writes a kubeconfig entry (cloud.cluster.kubeconfig, or the default one). An existing cluster is left as is.
The cluster goes into the ledger before eksctl starts, so \`sentiops teardown\` also cleans up a failed attempt.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --set cloud.cluster.instance_types=[m6i.large] --set cloud.cluster.max_size=5',
  ]
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the ClusterConfig (one YAML document, the commands as # comments) without running them', default: false}),
    set: setFlag,
  }

  async run() {
    const {cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const result = await createCluster({cwd: process.cwd(), cloud, dryRun: this.flags['dry-run'], reporter: this.reporter})
    if (result.dryRun) {
      // One YAML document on stdout (pipe it to eksctl or a file): the plan follows as # comments.
      this.log(YAML.stringify(result.config))
      this.log(asYamlComment(formatPlan('cluster create plan (dry run)', result.plan)))
      return result
    }
    this.log(`${result.changed ? 'created' : 'already present:'} EKS cluster ${result.cluster} (${result.region}); kubeconfig ${result.kubeconfig}`)
    return result
  }
}
