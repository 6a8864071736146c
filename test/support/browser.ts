import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WEB_DIR } from '../../src/http/routes/pages.js';

/** Debian's chromium, installed by apt (.ci/run does it when missing); never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
export const skipBrowser = existsSync(CHROMIUM)
  ? false
  : `skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`;
if (skipBrowser) console.warn(`Browser tests ${skipBrowser}`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The pages need the built bundle; a checkout that never ran `npm run build` gets one here. */
export function ensureBundle(): void {
  if (existsSync(join(WEB_DIR, 'ticket.js'))) return;
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('vite build failed');
}

export function launchBrowser(): Promise<Browser> {
  ensureBundle();
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** One browser for the suite this is called in: launched before its tests, closed after. */
export function suiteBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return browser as Browser;
    },
  };
}

/** A page that records console errors, failed requests and any request leaving the server's origin. */
export interface Watched {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
  readonly foreign: string[];
  /** Every request path the page made, in order. */
  readonly requests: string[];
}

export async function watchedPage(browser: Browser, base: string, opts: { locale?: string } = {}): Promise<Watched> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems: string[] = [];
  const foreign: string[] = [];
  const requests: string[] = [];
  const origin = new URL(base).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'data:') return;
    if (u.origin !== origin) foreign.push(r.url());
    requests.push(`${r.method()} ${u.pathname}`);
  });
  return { context, page, problems, foreign, requests };
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA rules). */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (window as any).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return (found as { id: string; impact: string; nodes: number }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes)`);
}
