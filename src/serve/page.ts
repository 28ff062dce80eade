import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import type {Explanation} from '../core/bundle/types.js'
import {UserError} from '../core/errors.js'

/** The page's files, next to the package: templates/page/ (from src/serve and dist/serve alike). */
const PAGE_DIR = new URL('../../templates/page/', import.meta.url)

/** Headers of the page and its assets: no external origin, no framing, no sniffing, no referrer. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
}

export interface Asset {
  body: string
  contentType: string
  etag: string
}

export interface PageView {
  text: string
  maxTextLength: number
  modelName: string
  modelVersion: string
  explanation?: Explanation
  error?: string
}

/** The web page: the HTML template rendered per request, and its stylesheet and script as static assets. */
export class Page {
  readonly assets: ReadonlyMap<string, Asset>
  private readonly template: string

  constructor(dir: URL = PAGE_DIR) {
    this.template = read(dir, 'index.html')
    this.assets = new Map([
      ['page.css', asset(read(dir, 'page.css'), 'text/css; charset=utf-8')],
      ['page.js', asset(read(dir, 'page.js'), 'text/javascript; charset=utf-8')],
    ])
  }

  render(view: PageView): string {
    const hasResult = view.explanation !== undefined || view.error !== undefined
    const values: Record<string, string> = {
      text: view.text,
      maxTextLength: String(view.maxTextLength),
      modelName: view.modelName,
      modelVersion: view.modelVersion,
      resultHidden: hasResult ? '' : 'hidden',
      result: view.error !== undefined ? renderError(view.error) : view.explanation ? renderExplanation(view.explanation) : '',
    }
    // {{{name}}} inserts HTML this module built; {{name}} inserts escaped text.
    return this.template.replace(/\{\{(\{?)(\w+)\}?\}\}/g, (match, raw: string, name: string) => {
      const value = values[name]
      if (value === undefined) return match
      return raw ? value : escapeHtml(value)
    })
  }
}

function read(dir: URL, name: string): string {
  try {
    return readFileSync(new URL(name, dir), 'utf8')
  } catch (error) {
    throw new UserError(`cannot read the web page template ${new URL(name, dir).pathname}: ${(error as Error).message}`, {
      suggestions: ['reinstall sentiops: the templates/ folder ships with the package'],
    })
  }
}

function asset(body: string, contentType: string): Asset {
  return {body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`}
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

function percent(p: number): string {
  return `${(Math.round(p * 1000) / 10).toFixed(1)}%`
}

function labelClass(label: string): string {
  return `label label-${label.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`
}

function renderWords(title: string, items: Explanation['positive']): string {
  const tokens = items.map(t => `<span class="token" title="contribution ${t.contribution.toFixed(3)}">${escapeHtml(t.token)}</span>`)
  return `<p class="words">${escapeHtml(title)}: ${tokens.length > 0 ? tokens.join('') : 'none'}</p>`
}

/** The same markup templates/page/page.js builds after a fetch. */
function renderExplanation(e: Explanation): string {
  const rows = Object.entries(e.probabilities).map(
    ([name, p]) =>
      `<dt>${escapeHtml(name)}</dt><dd><meter min="0" max="1" value="${p}" aria-label="probability of ${escapeHtml(name)}">${percent(p)}</meter><span>${percent(p)}</span></dd>`,
  )
  return [
    `<p class="verdict">Sentiment: <strong id="result-label" class="${escapeHtml(labelClass(e.label))}">${escapeHtml(e.label)}</strong>`,
    ` (<span id="result-score">${percent(e.score)}</span> confident)</p>`,
    `<dl class="probabilities">${rows.join('')}</dl>`,
    renderWords(`Words for ${e.target}`, e.positive),
    renderWords(`Words against ${e.target}`, e.negative),
  ].join('')
}

function renderError(message: string): string {
  return `<p class="error" role="alert" id="result-error">${escapeHtml(message)}</p>`
}
