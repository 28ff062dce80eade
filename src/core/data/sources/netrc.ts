import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Credentials for http(s) sources from a .netrc file (the format of ftp(1), curl --netrc and Python's
 * requests): `machine HOST login USER password SECRET`, a `default` entry, `account` and `macdef` (skipped),
 * `#` comments, and double-quoted tokens with \" \\ \n \t escapes as curl reads them. The first entry naming
 * the host wins (as curl and ftp do), else `default`. The file is $NETRC, else ~/.netrc.
 */
export interface NetrcCredentials {
  login: string
  password: string
  /** The file they came from, for messages. */
  file: string
}

export function netrcFile(env: NodeJS.ProcessEnv): string {
  return env.NETRC || path.join(env.HOME || os.homedir(), '.netrc')
}

/** The credentials for `host` (a host name without port), or undefined when the file or an entry is missing. */
export function netrcCredentials(host: string, env: NodeJS.ProcessEnv): NetrcCredentials | undefined {
  const file = netrcFile(env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const entry = findEntry(tokenize(text), host.toLowerCase())
  return entry?.login === undefined ? undefined : {login: entry.login, password: entry.password ?? '', file}
}

/** `Authorization: Basic ...` for a URL's host from .netrc, or undefined. */
export function netrcAuthorization(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  const credentials = netrcCredentials(url.hostname, env)
  return credentials && `Basic ${Buffer.from(`${credentials.login}:${credentials.password}`).toString('base64')}`
}

interface Entry {
  machine?: string
  login?: string
  password?: string
}

function findEntry(tokens: string[], host: string): Entry | undefined {
  let current: Entry | undefined
  let fallback: Entry | undefined
  const entries: Entry[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    const next = () => tokens[++i]
    if (token === 'machine') {
      current = {machine: next()?.toLowerCase()}
      entries.push(current)
    } else if (token === 'default') {
      current = {}
      fallback ??= current
    } else if (token === 'login' && current) {
      current.login = next()
    } else if (token === 'password' && current) {
      current.password = next()
    } else if (token === 'account') {
      next()
    }
  }
  return entries.find(e => e.machine === host) ?? fallback
}

const ESCAPES: Record<string, string> = {n: '\n', r: '\r', t: '\t'}

/** Whitespace-separated tokens; `#` starts a comment, `macdef NAME` skips to the next empty line. */
function tokenize(text: string): string[] {
  const tokens: string[] = []
  let i = 0
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++
      continue
    }
    if (text[i] === '#') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    let token = ''
    if (text[i] === '"') {
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          i++
          token += ESCAPES[text[i]] ?? text[i]
        } else {
          token += text[i]
        }
        i++
      }
      i++
    } else {
      while (i < text.length && !/\s/.test(text[i])) token += text[i++]
    }
    if (token === 'macdef' && tokens.at(-1) !== 'login' && tokens.at(-1) !== 'password') {
      const end = text.slice(i).search(/\n[ \t]*\n/)
      i = end < 0 ? text.length : i + end + 1
      continue
    }
    tokens.push(token)
  }
  return tokens
}
