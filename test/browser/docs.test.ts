import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { RunningServer, startServer } from '../../src/http-server';
import { freshSqliteUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { TEST_ADMIN_KEY, testConfig } from '../support/http-harness';
import { Browser, HAVE_CHROMIUM, HOST_NAME, launchChromium, SCREENSHOT_DIR, skipReason } from './chromium';

const SKIP_REASON = skipReason('Swagger UI');

if (!HAVE_CHROMIUM) console.warn(`SKIPPED test/browser/docs.test.ts: ${SKIP_REASON}`);

(HAVE_CHROMIUM ? describe : describe.skip)('Swagger UI at /docs in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let docsUrl: string;

  beforeAll(async () => {
    const config = await testConfig({ DATABASE_URL: freshSqliteUrl(), HOST: '127.0.0.1', PORT: String(await freePort()) });
    server = await startServer(config, { logger: false });
    const res = await fetch(`${server.url}/api/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dr. Swagger Browser', email: 'swagger@example.com', timezone: 'Europe/Berlin' }),
    });
    expect(res.status).toBe(201);

    browser = await launchChromium({ width: 1280, height: 1600 });
    ({ page, problems } = browser);
    docsUrl = `http://${HOST_NAME}:${new URL(server.url).port}/docs`;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the operations, authorizes with an API key, and executes GET /api/v1/providers with a 200', async () => {
    await page.goto(docsUrl);
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 20_000 }).catch((error: unknown) => {
      throw new Error(`Swagger UI listed no operations at ${docsUrl}: ${String(error)}\n${problems.join('\n')}`);
    });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    const operation = page.locator('.opblock.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/v1/providers"]') });
    await expect(operation.count()).resolves.toBe(1);

    await page.locator('.auth-wrapper button.authorize').click();
    const modal = page.locator('.modal-ux');
    await modal.waitFor({ state: 'visible' });
    await modal.locator('input').first().fill(TEST_ADMIN_KEY);
    await modal.locator('button.authorize[type="submit"], button.modal-btn.auth.authorize').first().click();
    await modal.locator('button.btn-done').first().click();
    await modal.waitFor({ state: 'hidden' });

    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();

    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ state: 'visible' });
    expect((await status.innerText()).trim()).toBe('200');
    const body = await operation.locator('.live-responses-table .response-col_description pre').first().innerText();
    expect(body).toContain('Dr. Swagger Browser');
    const curl = await operation.locator('.curl-command').innerText();
    expect(curl).toContain(`Authorization: Bearer ${TEST_ADMIN_KEY}`);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await operation.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'docs-swagger-ui.png'), fullPage: false });
    expect(problems.filter((p) => /request failed|page error/.test(p))).toEqual([]);
    // Swagger UI injects one inline <style> that the CSP refuses; only styles, never scripts, may be refused.
    expect(problems.filter((p) => /Content Security Policy/.test(p) && !/inline style/.test(p))).toEqual([]);
  });
});
