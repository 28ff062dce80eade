import type {Loader, LoggerInterface} from 'vega'
import type {TopLevelSpec} from 'vega-lite'
import {BugError} from '../errors.js'

/**
 * Renders a Vega-Lite 5 spec to an SVG document in Node: vega-lite compiles it to a Vega spec and a headless
 * Vega view (renderer "none") draws it, no browser and no canvas. vega and vega-lite are imported here, on
 * first use, because loading them takes ~0.7 s that no other command should pay.
 * Charts must carry their data inline: the view's loader refuses every URL and file (a BugError).
 */
export async function renderSvg(spec: object): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import('vega-lite'), import('vega')])
  const log = collectingLogger()
  let vegaSpec
  try {
    vegaSpec = vegaLite.compile(spec as TopLevelSpec, {logger: log}).spec
  } catch (error) {
    throw new BugError(`renderSvg: the Vega-Lite spec does not compile: ${(error as Error).message}`, {cause: error})
  }
  const refused: string[] = []
  const view = new vega.View(vega.parse(vegaSpec), {renderer: 'none', loader: offlineLoader(refused), logger: log, logLevel: vega.Warn})
  try {
    const svg = await view.toSVG()
    if (refused.length > 0) {
      throw new BugError(`renderSvg: the chart spec loads '${refused[0]}'; charts must carry their data inline (data.values)`)
    }
    if (log.errors.length > 0) throw new BugError(`renderSvg: Vega failed to draw the chart: ${log.errors.join('; ')}`)
    return svg
  } finally {
    view.finalize()
  }
}

/** A loader that reads nothing: it notes each URI that the spec asked for and fails that load. */
function offlineLoader(refused: string[]): Loader {
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri)
    return Promise.reject(new Error(`offline: ${uri}`))
  }
  return {load: refuse, sanitize: refuse, http: refuse, file: refuse}
}

/**
 * Keeps Vega's messages off the console (core code never prints); errors fail the render. A closure, not a
 * class: Vega calls the methods detached from the object.
 */
function collectingLogger(): LoggerInterface & {errors: string[]} {
  const errors: string[] = []
  let currentLevel = 0
  const logger = {
    errors,
    level(value?: number) {
      if (value === undefined) return currentLevel
      currentLevel = value
      return logger
    },
    error(...args: readonly unknown[]) {
      errors.push(args.map(String).join(' '))
      return logger
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  }
  return logger as LoggerInterface & {errors: string[]}
}
