import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {formatPlan} from '../core/cloud/plan.js'
import {pushImage} from '../core/cloud/push.js'
import {readLastBuild, writeLastPush} from '../core/cloud/records.js'
import {UserError} from '../core/errors.js'

export default class Push extends BaseCommand<typeof Push> {
  static override summary = 'Push the built image to Amazon ECR.'
  static override description = `Ensures the ECR repository cloud.image.repository exists with scan on push, immutable tags and a
lifecycle policy keeping the newest cloud.ecr.keep_images images; gets a short-lived authorization token, logs
in with --password-stdin into a throw-away auth directory (never ~/.docker), pushes every tag of the last
\`sentiops build\` (or --image) and prints the digests. A tag that already exists in the immutable repository
with another image is refused. Repositories and images it creates are recorded in the ledger for teardown.

AWS credentials come from the usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID..., a role in CI); cloud.region and
cloud.endpoint_url choose the endpoint.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --image sentiops:3f2a9c1b7d0e --dry-run',
    '<%= config.bin %> <%= command.id %> --set cloud.region=eu-west-1 --json',
  ]
  static override flags = {
    image: Flags.string({description: 'local image reference to push (repeatable; default: the tags of the last build)', multiple: true}),
    builder: Flags.string({description: 'tool that pushes (default: cloud.image.builder)', options: ['docker', 'buildah']}),
    'dry-run': Flags.boolean({description: 'print the API calls and commands without running them', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const images = this.flags.image ?? (await readLastBuild(cwd, cloud))?.tags
    if (!images?.length) throw new UserError('no image to push: run `sentiops build` first or pass --image NAME:TAG')
    const result = await pushImage({cwd, cloud, images, builder: this.flags.builder as 'docker' | 'buildah' | undefined, dryRun: this.flags['dry-run'], reporter: this.reporter})
    if (result.dryRun) {
      this.log(formatPlan('push plan (dry run)', result.plan))
      return result
    }
    await writeLastPush(cwd, cloud, {
      repository: result.repository,
      refs: result.images.map(i => i.ref),
      digests: Object.fromEntries(result.images.filter(i => i.digest).map(i => [i.ref, i.digest!])),
      pushedAt: new Date().toISOString(),
    })
    this.log(`${result.repositoryCreated ? 'created and pushed to' : 'pushed to'} ${result.repositoryUri ?? result.repository}`)
    for (const image of result.images) this.log(`  ${image.ref}  ${image.digest ?? '(digest unknown)'}${image.alreadyPresent ? '  (already there)' : ''}`)
    return result
  }
}
