import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output');
/**
 * The browser reaches the server by a host name that is not loopback, over plain HTTP, as it would a container on
 * another machine: browsers treat loopback as secure and would hide a policy that forces HTTPS.
 */
export const HOST_NAME = 'booking.example.test';

/** Why a browser test did not run; printed, so a skip is never silent. */
export function skipReason(what: string): string {
  return `${CHROMIUM} is absent, so ${what} was not tried in a browser (CI installs the Debian "chromium" package; run .ci/run or apt-get install chromium)`;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Failed requests, page errors and console errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Headless Chromium in a throwaway profile, resolving HOST_NAME to this machine. */
export async function launchChromium(viewport: { width: number; height: number }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'booking-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
