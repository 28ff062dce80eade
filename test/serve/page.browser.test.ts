import {chromium, type Browser, type ConsoleMessage} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import type {Bundle} from '../../src/core/bundle/types.js'
import {tempDir, trainModel} from './support/model.js'
import {ensureServeDeps, spawnServe, type ServeProcess} from './support/serve-process.js'

/** Debian's Chromium, headless; never a downloaded browser build. */
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

let serve: ServeProcess
let browser: Browser
let bundle: Bundle

beforeAll(async () => {
  ensureServeDeps()
  const cwd = await tempDir('sentiops-page-')
  const {dir} = await trainModel(cwd)
  bundle = await loadBundle(dir)
  serve = await spawnServe(['--model', dir], {cwd})
  browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS})
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

const REVIEW = 'A gorgeous, witty film: the acting was superb and I loved every minute.'

describe('the web page in headless Chromium', () => {
  it('shows the sentiment of a typed review without reloading the page (JavaScript on)', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m: ConsoleMessage) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', e => problems.push(e.message))
    const requests: string[] = []
    page.on('request', r => requests.push(`${r.method()} ${new URL(r.url()).pathname}`))

    await page.goto(serve.address)
    expect(await page.title()).toBe('Sentiment of a review · sentiops')
    await page.getByLabel('Review text').fill(REVIEW)
    await page.getByRole('button', {name: 'Analyse sentiment'}).click()
    const label = page.locator('#result-label')
    await label.waitFor()

    const expected = bundle.explain(REVIEW, 5)
    expect(await label.textContent()).toBe(expected.label)
    expect(await page.locator('#result-score').textContent()).toBe(`${(Math.round(expected.score * 1000) / 10).toFixed(1)}%`)
    expect(await page.locator('.words').first().textContent()).toContain(expected.positive[0]!.token)
    expect(await page.locator('#result').isVisible()).toBe(true)
    expect(page.url()).toBe(`${serve.address}/`)
    expect(requests).toContain('POST /explain')
    expect(requests).not.toContain('POST /predict')
    // Same origin only: the page, its script and stylesheet, the API call.
    expect(requests.every(r => !/https?:/.test(r))).toBe(true)
    expect(problems).toEqual([])
    await context.close()
  })

  it('shows the server-rendered result with JavaScript disabled (plain form post)', async () => {
    const context = await browser.newContext({javaScriptEnabled: false})
    const page = await context.newPage()
    await page.goto(serve.address)
    await page.getByLabel('Review text').fill('Dull, lifeless and far too long; a waste of two hours.')
    await Promise.all([page.waitForURL(`${serve.address}/predict`), page.getByRole('button', {name: 'Analyse sentiment'}).click()])
    const expected = bundle.predict(['Dull, lifeless and far too long; a waste of two hours.'])[0]!
    expect(await page.locator('#result-label').textContent()).toBe(expected.label)
    expect(await page.getByLabel('Review text').inputValue()).toBe('Dull, lifeless and far too long; a waste of two hours.')
    expect(await page.locator('#result').isVisible()).toBe(true)
    await context.close()
  })

  it('shows the server\'s message when the request is refused', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(serve.address)
    // Longer than the limit: remove the browser-side maxlength to reach the server's check.
    await page.locator('#review').evaluate(el => el.removeAttribute('maxlength'))
    await page.getByLabel('Review text').fill('x'.repeat(10_001))
    await page.getByRole('button', {name: 'Analyse sentiment'}).click()
    const error = page.getByRole('alert')
    await error.waitFor()
    expect(await error.textContent()).toBe('body.text is longer than the limit of 10000 characters')
    await context.close()
  })
})
