// Headless Chromium from Debian's package (scripts/browser.sh installs it), driven over CDP.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type ConsoleMessage, type HTTPRequest, type HTTPResponse, type Page } from 'puppeteer-core';
import { waitFor } from './wait.ts';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) throw new Error('no Chromium: run bash scripts/browser.sh (apt-get install chromium)');
  // root in a container-less sandbox: Chromium's own sandbox needs user namespaces it may not get.
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** How long a page may stay blank (nothing rendered) before it is loaded again. */
const BLANK_MS = 10_000;

/**
 * The page's visible text once every one of `texts` is in it (single-page apps render after load).
 * The Temporal UI shows "Uh oh. There's an error." when one of its API calls failed (a loaded
 * machine): it says to refresh, and so does this, at most `reloads` times. So does a page that
 * rendered nothing at all for BLANK_MS (seen once in CI: the history page stayed blank for 60 s).
 * On failure the page is saved as `failedShot` (a PNG path), when given.
 */
export async function pageText(page: Page, texts: string[], timeoutMs: number, reloads = 3, failedShot?: string): Promise<string> {
  let last = '';
  const trouble = pageTrouble(page);
  let left = reloads;
  let blankSince = Date.now();
  const reload = async (why: string) => {
    left -= 1;
    console.log(`the Temporal UI ${why}; reloading`);
    await page.reload({ waitUntil: 'networkidle2' });
    blankSince = Date.now();
  };
  await waitFor(`page shows ${texts.join(', ')}`, async () => {
    last = await page.evaluate(() => document.body.innerText);
    if (/Uh oh\. There's an error\./.test(last) && left > 0) {
      await reload(`showed an error page (${last.replace(/\s+/g, ' ').slice(0, 200)})`);
      return false;
    }
    if (last.trim() !== '') blankSince = Date.now();
    else if (Date.now() - blankSince >= BLANK_MS && left > 0) {
      await reload(`page stayed blank for ${BLANK_MS / 1000} s`);
      return false;
    }
    return texts.every((t) => last.includes(t));
  }, { timeoutMs, intervalMs: 500 }).catch(async (err: Error) => {
    if (failedShot) await page.screenshot({ path: failedShot, fullPage: true }).catch(() => undefined);
    throw new Error(`${err.message}; the page shows: ${last.slice(0, 2000)}${failedShot ? ` (screenshot: ${failedShot})` : ''}; what went wrong in it: ${trouble.seen.join(' | ') || 'nothing reported'}`);
  }).finally(() => trouble.stop());
  return last;
}

/** Script errors, console errors, failed requests and HTTP errors of a page, newest last (at most 30). */
function pageTrouble(page: Page): { seen: string[]; stop: () => void } {
  const seen: string[] = [];
  const note = (s: string) => { seen.push(s.slice(0, 300)); if (seen.length > 30) seen.shift(); };
  const onError = (e: unknown) => note(`page error: ${e instanceof Error ? e.message : String(e)}`);
  const onConsole = (m: ConsoleMessage) => { if (m.type() === 'error' || m.type() === 'warn') note(`console ${m.type()}: ${m.text()}`); };
  const onFailed = (r: HTTPRequest) => note(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  const onResponse = (r: HTTPResponse) => { if (r.status() >= 400) note(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); };
  page.on('pageerror', onError).on('console', onConsole).on('requestfailed', onFailed).on('response', onResponse);
  return { seen, stop: () => { page.off('pageerror', onError).off('console', onConsole).off('requestfailed', onFailed).off('response', onResponse); } };
}
