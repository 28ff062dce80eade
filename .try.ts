import {FakeKubeApi} from './test/support/ship-kube-fake.ts'
import {validateCloudConfig} from './src/core/cloud/config.ts'
import {deploy} from './src/core/cloud/deploy.ts'
import {validateParams} from './src/core/config/index.ts'
import {execa} from 'execa'
import {mkdtemp} from 'node:fs/promises'
const fake = await new FakeKubeApi({monitoringCrds: true, readyAfterMs: 100, progressDeadlineMs: 300, neverReady: /:broken$/}).start()
const dir = await mkdtemp('/tmp/shipdev/dep-')
await fake.writeKubeconfig(dir + '/kubeconfig')
const cloud = validateCloudConfig({cluster: {kubeconfig: dir + '/kubeconfig'}, deploy: {rollout_timeout_s: 5}})
const params = validateParams({})
let t = Date.now()
const rep = {info: (m: string) => console.log(Date.now() - t, m), warn: (m: string) => console.log(Date.now() - t, 'W', m), debug() {}, progress() {}}
await deploy({cwd: dir, cloud, params, image: 'r/s:good1', pollMs: 25, reporter: rep})
t = Date.now()
await deploy({cwd: dir, cloud, params, image: 'r/s:broken', pollMs: 25, reporter: rep}).catch(e => console.log(Date.now() - t, 'ERR', e.message))
t = Date.now()
const k = await execa('kubectl', ['-n', 'sentiops', 'rollout', 'status', 'deployment/sentiment-api', '--timeout=10s'], {env: {...process.env, KUBECONFIG: dir + '/kubeconfig'}, reject: false, all: true})
console.log(Date.now() - t, k.all)
await fake.stop()
