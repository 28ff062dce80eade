import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {setFlag} from '../../cli/flags.js'
import {deleteCluster} from '../../core/cloud/cluster.js'
import {loadShipSettings, setOverridesFromEnv} from '../../core/cloud/config.js'
import {confirmDestruction, terminalAsk} from '../../core/cloud/confirm.js'
import {formatPlan} from '../../core/cloud/plan.js'

export default class ClusterDelete extends BaseCommand<typeof ClusterDelete> {
  static override summary = 'Delete the EKS cluster with eksctl.'
  static override description = `Runs \`eksctl delete cluster --wait\` for cloud.cluster.name and removes it from the ledger. It does
not delete LoadBalancer Services first: use \`sentiops teardown\` to remove everything in a safe order.
Asks for the cluster name first; --confirm <name> or --yes skip the question (needed without a terminal).

${EXIT_CODE_HELP}`
  static override examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --confirm sentiops']
  static override flags = {
    confirm: Flags.string({description: 'the cluster name, confirming the deletion without a prompt'}),
    yes: Flags.boolean({description: 'delete without asking', default: false}),
    'dry-run': Flags.boolean({description: 'print the commands without running them', default: false}),
    set: setFlag,
  }

  async run() {
    const {cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    if (!this.flags['dry-run']) {
      await confirmDestruction({
        expected: cloud.cluster.name,
        action: `delete the EKS cluster ${cloud.cluster.name} in ${cloud.region}`,
        yes: this.flags.yes,
        confirm: this.flags.confirm,
        ask: this.jsonEnabled() ? undefined : terminalAsk(),
      })
    }
    const result = await deleteCluster({cwd: process.cwd(), cloud, dryRun: this.flags['dry-run'], reporter: this.reporter})
    this.log(result.dryRun ? formatPlan('cluster delete plan (dry run)', result.plan) : `${result.changed ? 'deleted' : 'already gone:'} EKS cluster ${result.cluster} (${result.region})`)
    return result
  }
}
