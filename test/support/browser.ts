// Headless Chromium from Debian's package (scripts/browser.sh installs it), driven over CDP.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { waitFor } from './wait.ts';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) throw new Error('no Chromium: run bash scripts/browser.sh (apt-get install chromium)');
  // root in a container-less sandbox: Chromium's own sandbox needs user namespaces it may not get.
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * The page's visible text once every one of `texts` is in it (single-page apps render after load).
 * The Temporal UI shows "Uh oh. There's an error." when one of its API calls failed (a loaded
 * machine): it says to refresh, and so does this, at most `reloads` times.
 */
export async function pageText(page: Page, texts: string[], timeoutMs: number, reloads = 3): Promise<string> {
  let last = '';
  let left = reloads;
  await waitFor(`page shows ${texts.join(', ')}`, async () => {
    last = await page.evaluate(() => document.body.innerText);
    if (/Uh oh\. There's an error\./.test(last) && left > 0) {
      left -= 1;
      console.log(`the Temporal UI showed an error page; reloading (${last.replace(/\s+/g, ' ').slice(0, 200)})`);
      await page.reload({ waitUntil: 'networkidle2' });
      return false;
    }
    return texts.every((t) => last.includes(t));
  }, { timeoutMs, intervalMs: 500 }).catch((err: Error) => { throw new Error(`${err.message}; the page shows: ${last.slice(0, 2000)}`); });
  return last;
}
