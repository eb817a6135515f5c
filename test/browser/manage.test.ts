import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { RunningServer, startServer } from '../../src/http-server';
import { freshSqliteUrl } from '../support/databases';
import { freePort } from '../support/embedded-postgres';
import { adminCalls, testConfig } from '../support/http-harness';
import { Browser, HAVE_CHROMIUM, HOST_NAME, launchChromium, SCREENSHOT_DIR, skipReason } from './chromium';

const SKIP_REASON = skipReason("the customer's manage page");
if (!HAVE_CHROMIUM) console.warn(`SKIPPED test/browser/manage.test.ts: ${SKIP_REASON}`);

/** A UTC date `days` after today. */
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

(HAVE_CHROMIUM ? describe : describe.skip)('the manage page in Chromium on a phone-sized viewport', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let origin: string;

  const api = (method: string, path: string, body?: unknown) => adminCalls(server.url)(method, path, body);

  beforeAll(async () => {
    const config = await testConfig({ DATABASE_URL: freshSqliteUrl(), HOST: '127.0.0.1', PORT: String(await freePort()) });
    server = await startServer(config, { logger: false });
    origin = `http://${HOST_NAME}:${new URL(server.url).port}`;
    browser = await launchChromium({ width: 360, height: 740 });
    page = browser.page;
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  let providers = 0;
  async function aServiceBooking(): Promise<Record<string, any>> {
    providers += 1;
    const provider = await api('POST', '/api/v1/providers', { name: 'Dr. Page', email: `page${providers}@example.com`, timezone: 'UTC' });
    expect(provider.status).toBe(201);
    const day = [['08:00', '18:00']];
    const weekly = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, day]));
    expect((await api('PUT', `/api/v1/providers/${provider.json.id}/schedule`, { weekly })).status).toBe(200);
    const service = await api('POST', '/api/v1/services', { name: 'Weekly session', duration_minutes: 60, pools: [[provider.json.id]] });
    expect(service.status).toBe(201);
    const booking = await api('POST', '/api/v1/bookings', { service_id: service.json.id, date: daysFromNow(3), time: '10:00', customer_name: 'Grace' });
    expect(booking.status).toBe(201);
    return booking.json;
  }

  const field = (name: string) => page.locator(`dd[data-field="${name}"]`).innerText();

  it('shows the booking, moves it to a listed slot, then cancels it', async () => {
    const booking = await aServiceBooking();
    await page.goto(`${origin}/manage/${booking.id}?token=${booking.manage_token}`);
    expect(await page.locator('h1').innerText()).toBe('Your booking');
    expect(await field('with')).toBe('Weekly session');
    expect(await field('time')).toBe('10:00 to 11:00');
    expect(await field('time-zone')).toContain('UTC');
    expect(await field('status')).toBe('Booked');

    // Nothing on the page is wider than the phone.
    // (A string, evaluated in the page: the test's own TypeScript knows no DOM.)
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'manage-page-phone.png'), fullPage: true });

    // Move to a listed slot on another day.
    const target = `${daysFromNow(5)}T14:00`;
    expect(await page.locator(`#slot option[value="${target}"]`).count()).toBe(1);
    await page.selectOption('#slot', target);
    await Promise.all([page.waitForEvent('load'), page.locator('#move button[type="submit"]').click()]);
    expect(await field('time')).toBe('14:00 to 15:00');
    const moved = await api('GET', `/api/v1/bookings/${booking.id}`);
    expect(moved.json).toMatchObject({ date: daysFromNow(5), time: '14:00:00', status: 'active' });
    // The slot it left is offered now, the one it took is not.
    expect(await page.locator(`#slot option[value="${daysFromNow(3)}T10:00"]`).count()).toBe(1);
    expect(await page.locator(`#slot option[value="${target}"]`).count()).toBe(0);

    // Cancel, with the confirmation accepted.
    await Promise.all([page.waitForEvent('load'), page.locator('#cancel').click()]);
    expect(await field('status')).toBe('Cancelled');
    expect(await page.locator('#cancel').count()).toBe(0);
    expect(await page.locator('#move').count()).toBe(0);
    expect((await api('GET', `/api/v1/bookings/${booking.id}`)).json.status).toBe('cancelled');
    const history = (await api('GET', `/api/v1/bookings/${booking.id}/history`)).json.data as { type: string; actor: unknown }[];
    expect(history.slice(1).map((e) => [e.type, e.actor])).toEqual([
      ['booking.rescheduled', 'customer'],
      ['booking.cancelled', 'customer'],
    ]);

    // The page's own script and stylesheet ran under its CSP with nothing refused or failed. (Chromium notes that it
    // ignores Cross-Origin-Opener-Policy over plain HTTP; the header is for HTTPS deployments.)
    expect(browser.problems.filter((p) => !/Cross-Origin-Opener-Policy header has been ignored/.test(p))).toEqual([]);
  });

  it('a wrong token shows a plain not-found page and reveals nothing', async () => {
    const booking = await aServiceBooking();
    const res = await page.goto(`${origin}/manage/${booking.id}?token=not-the-token`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Not found');
    expect(await page.content()).not.toContain('Grace');
    expect(await page.locator('button').count()).toBe(0);
    expect((await api('GET', `/api/v1/bookings/${booking.id}`)).json.status).toBe('active');
  });
});
