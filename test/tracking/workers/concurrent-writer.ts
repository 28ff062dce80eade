/**
 * One of several processes writing to the same file store at once (see concurrency.test.ts):
 * argv = <cwd> <worker id> <iterations> <start at (ms epoch)>. All workers wait for the same start time, so their
 * first writes (creating the experiment, numbering versions) really collide. Each iteration tracks a run with a
 * model and registers it.
 */
import path from 'node:path'
import {openStores, registerModel, withRun} from '../../../src/core/tracking/index.js'
import {makeBundle} from '../fixtures.js'

const [cwd, worker, iterations, startAt] = process.argv.slice(2)
const stores = openStores({cwd, env: {USER: `worker-${worker}`}})
const bundle = await makeBundle(path.join(cwd, `bundle-${worker}`), `w${worker}`)
await new Promise(resolve => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())))
for (let i = 0; i < Number(iterations); i++) {
  const runId = await withRun(stores.tracking, {experiment: 'shared', runName: `w${worker}-${i}`, cwd, sourceName: 'concurrency test'}, async run => {
    await run.logParams({worker, iteration: i})
    await run.logMetrics([{key: 'f1', value: 0.5 + i / 100, step: i}])
    await run.logModel(bundle)
    return run.runId
  })
  await registerModel({stores, name: 'shared', runId, alias: `w${worker}`, stage: i % 2 === 0 ? 'Staging' : 'Production', archiveExisting: true, cwd})
}
