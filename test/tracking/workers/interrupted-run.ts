/** Starts a tracked run and waits inside it until killed (see run-context.test.ts): argv = <cwd>. */
import {openStores, withRun} from '../../../src/core/tracking/index.js'

const [cwd] = process.argv.slice(2)
const stores = openStores({cwd, env: {USER: 'worker'}})
await withRun(stores.tracking, {experiment: 'interrupted', cwd}, async run => {
  process.stdout.write(`ready ${run.runId}\n`)
  await new Promise(() => setInterval(() => undefined, 1000))
})
