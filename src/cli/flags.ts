import {Flags} from '@oclif/core'

/** `--set key.path=value`, repeatable: overrides params.yaml for this run. */
export const setFlag = Flags.string({
  char: 'S',
  description: 'override a params.yaml value for this run, e.g. --set train.algorithm=mnb (repeatable)',
  multiple: true,
  default: [],
})

/** `--model`: one spelling of what every model-taking command accepts (one URI parser resolves them all). */
export function modelFlag(defaultFrom: string) {
  return Flags.string({
    description: `bundle directory or models:/name@alias, models:/name/Stage, models:/name/3, runs:/id/model (default: ${defaultFrom})`,
    env: 'SENTIOPS_MODEL',
  })
}

/** Turns defined flag values into `key=value` overrides for loadParams. */
export function overridesFrom(mapping: Record<string, unknown>): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(mapping)) {
    if (value === undefined) continue
    out.push(`${key}=${Array.isArray(value) ? JSON.stringify(value) : String(value)}`)
  }
  return out
}

/** Formats a number for humans: 4 significant decimals. */
export function fmt(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || Number.isNaN(n)) return 'n/a'
  return n.toFixed(digits)
}

export function relativePath(p: string): string {
  const rel = p.startsWith(process.cwd() + '/') ? p.slice(process.cwd().length + 1) : p
  return rel
}
