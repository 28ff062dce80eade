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
\`sentiops build\` (or --image) and prints the digests. A tag the repository already holds with this same image
(ECR's manifest and config digests are compared with the local image id) is skipped: pushing again is a no-op
that exits 0 and reports upToDate: true in --json. A tag that holds another image is refused (exit 1), and so is
an existing repository whose tag mutability differs from cloud.ecr.immutable_tags (it is never changed).
Repositories and images it creates are recorded in the ledger for teardown.

AWS credentials come from the usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID..., a role in CI); cloud.region and
cloud.endpoint_url choose the endpoint.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --image sentiops:3f2a9c1b7d0e-9b1c2d3e4f5a --dry-run',
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
    const pushed = result.images.filter(i => !i.alreadyPresent).length
    if (result.upToDate) this.log(`nothing to push: ${result.repositoryUri ?? result.repository} already holds ${result.images.length === 1 ? 'this tag' : `all ${result.images.length} tags`} with this image`)
    else this.log(`${result.repositoryCreated ? 'created and pushed to' : pushed ? 'pushed to' : 'updated the settings of'} ${result.repositoryUri ?? result.repository}`)
    for (const image of result.images) this.log(`  ${image.ref}  ${image.digest ?? '(digest unknown)'}${image.alreadyPresent ? '  (already there)' : ''}`)
    return result
  }
}
