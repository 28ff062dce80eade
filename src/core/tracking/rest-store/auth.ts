/**
 * MLflow client credentials (spec §7): MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (Basic, first), else
 * MLFLOW_TRACKING_TOKEN (Bearer), else `[mlflow]` in ~/.mlflow/credentials, else user:password in the URI.
 * The secrets are returned too, so every message can be scrubbed of them.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

export interface Auth {
  /** The Authorization header value, or undefined for anonymous access. */
  header?: string
  /** Where the credentials came from, for messages (never the values). */
  source?: string
  secrets: string[]
}

export function resolveAuth(env: NodeJS.ProcessEnv, url: URL): Auth {
  const user = env.MLFLOW_TRACKING_USERNAME
  const password = env.MLFLOW_TRACKING_PASSWORD
  if (user && password) return basic(user, password, 'MLFLOW_TRACKING_USERNAME/PASSWORD')
  if (env.MLFLOW_TRACKING_TOKEN) return {header: `Bearer ${env.MLFLOW_TRACKING_TOKEN}`, source: 'MLFLOW_TRACKING_TOKEN', secrets: [env.MLFLOW_TRACKING_TOKEN]}
  const file = readCredentialsFile(env)
  if (file) return basic(file.user, file.password, '~/.mlflow/credentials')
  if (url.username || url.password) {
    return basic(decodeURIComponent(url.username), decodeURIComponent(url.password), 'the tracking URI')
  }
  return {secrets: []}
}

function basic(user: string, password: string, source: string): Auth {
  const token = Buffer.from(`${user}:${password}`).toString('base64')
  return {header: `Basic ${token}`, source, secrets: [password, token].filter(s => s.length >= 4)}
}

/** The `[mlflow]` section of ~/.mlflow/credentials (INI: `key = value` lines). */
function readCredentialsFile(env: NodeJS.ProcessEnv): {user: string; password: string} | undefined {
  const home = env.HOME ?? homedir()
  let text: string
  try {
    text = readFileSync(path.join(home, '.mlflow', 'credentials'), 'utf8')
  } catch {
    return undefined
  }
  let section = ''
  const values: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)]$/.exec(line)
    if (header) {
      section = header[1].trim()
      continue
    }
    const eq = line.search(/[=:]/)
    if (section === 'mlflow' && eq > 0) values[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim()
  }
  const user = env.MLFLOW_TRACKING_USERNAME ?? values.mlflow_tracking_username
  const password = env.MLFLOW_TRACKING_PASSWORD ?? values.mlflow_tracking_password
  return user && password ? {user, password} : undefined
}

/** Replaces every secret in `text` by ***. */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const s of secrets) out = out.split(s).join('***')
  return out
}
