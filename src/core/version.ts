import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as {version: string}).version
  } catch {
    return 'unknown'
  }
}

/** sentiops' own version, read from its package.json. */
export const SENTIOPS_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version

/** Versions of what changes tokens or numbers: recorded in every bundle. */
export function libraryVersions(): Record<string, string> {
  return {
    sentiops: SENTIOPS_VERSION,
    node: process.versions.node,
    stopword: packageVersion('stopword'),
    'wink-lemmatizer': packageVersion('wink-lemmatizer'),
    natural: packageVersion('natural'),
  }
}
