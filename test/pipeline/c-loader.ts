import {spawnSync} from 'node:child_process'

/**
 * DVC's params loader, for real: ruamel.yaml's `YAML(typ='safe')` from Debian's python3-ruamel.yaml, which
 * uses the C parser of python3-ruamel.yaml.clib (scripts/deps/dvc.sh installs both). Each text is loaded; the
 * answer is the value (dates as {"__date__": ISO}) or the error with the line ruamel names.
 */
const LOADER = String.raw`
import datetime, json, sys
import _ruamel_yaml  # the C extension of ruamel.yaml.clib: without it YAML(typ='safe') is pure Python
from ruamel.yaml import YAML

def plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {'__date__': value.isoformat()}
    raise TypeError(type(value).__name__)

out = []
for text in json.load(sys.stdin):
    try:
        value = YAML(typ='safe').load(text)
        out.append({'ok': True, 'value': json.loads(json.dumps(value, default=plain))})
    except Exception as error:
        mark = getattr(error, 'problem_mark', None)
        out.append({'ok': False, 'error': str(getattr(error, 'problem', error)), 'line': mark.line + 1 if mark else None})
print(json.dumps(out))
`

export type Loaded = {ok: true; value: unknown} | {ok: false; error: string; line: number | null}

/** The first python3 whose ruamel.yaml has the C loader, or undefined. */
function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import _ruamel_yaml, ruamel.yaml'], {encoding: 'utf8'})
    if (probe.status === 0) return candidate
  }
  return undefined
}

export const PYTHON = findPython()
export const MISSING_LOADER = 'python3-ruamel.yaml and python3-ruamel.yaml.clib are not installed (bash scripts/deps/dvc.sh)'

export function loadWithDvcLoader(texts: string[]): Loaded[] {
  if (!PYTHON) throw new Error(MISSING_LOADER)
  const run = spawnSync(PYTHON, ['-c', LOADER], {input: JSON.stringify(texts), encoding: 'utf8'})
  if (run.status !== 0) throw new Error(`the ruamel loader script failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as Loaded[]
}

/** Whether a loaded value holds a date (DVC fails on those: "Unsupported value of type 'date'"). */
export function hasDate(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasDate)
  if (value && typeof value === 'object') return '__date__' in value || Object.values(value).some(hasDate)
  return false
}
