import ical, { VEvent } from 'node-ical';
import { FEED_MAX_BOOKINGS } from '../../src/application/use-cases/calendar-feed';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { addDays } from '../../src/domain/local-date';
import { expectErrorShape } from '../http/helpers';
import { DIALECTS } from '../support/databases';
import { contentLines, eventDateTimes, instantOf, localValue, vtimezone, vtimezones } from '../support/icalendar';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, makeBooking, makeClientKey, makeProvider } from './support';

/** The UIDs of a calendar's VEVENTs, in the order written (quicker than parsing a large feed). */
function uids(text: string): string[] {
  return [...text.matchAll(/\r\nUID:([^\r]+)/g)].map((m) => m[1]);
}

/** The calendar's content lines with folding undone, so that a value split across lines can be found. */
const unfolded = (text: string) => contentLines(text).join('\n');

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function events(text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text))
    .filter((c): c is VEvent => c.type === 'VEVENT')
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

describe.each(DIALECTS)('calendar feed on %s', (dialect) => {
  let t: TestApp;
  let provider: Json;
  let clientKey: string;
  const feedUrl = () => `/api/v1/providers/${provider.id}/calendar.ics`;
  const anonymous = (url: string) => t.app.inject({ method: 'GET', url });

  beforeAll(async () => {
    t = await createOutboxApp({ dialect });
    clientKey = await makeClientKey(t);
    provider = await makeProvider(t, { name: 'Room 4, east wing; level 2', timezone: 'Europe/Berlin' });
  });
  afterAll(() => t.close());

  it('lists the active bookings with a stable UID and a SEQUENCE that rises with each change', async () => {
    const first = await makeBooking(t, { provider_id: provider.id, date: '2027-12-25', time: '14:30', customer_name: 'Grace Hopper' });
    const second = await makeBooking(t, { provider_id: provider.id, date: '2027-12-24', time: '09:00', duration_minutes: 60, notes: 'a, b; c\\d\nnext line' });
    const gone = await makeBooking(t, { provider_id: provider.id, date: '2027-12-26', time: '09:00' });
    expect((await api(t, 'DELETE', `/api/v1/bookings/${gone.id}`)).statusCode).toBe(204);
    const other = await makeProvider(t);
    await makeBooking(t, { provider_id: other.id, date: '2027-12-25', time: '14:30' });

    const res = await t.app.inject({ method: 'GET', url: `${feedUrl()}?token=${provider.calendar_token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.body.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(res.body.endsWith('END:VCALENDAR\r\n')).toBe(true);
    for (const line of res.body.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const [a, b] = events(res.body);
    expect(events(res.body)).toHaveLength(2);
    expect(a).toMatchObject({ uid: `booking-${second.id}@booking-service`, sequence: '1', description: expect.stringContaining('Notes: a, b; c\\d\nnext line') });
    expect(a.start.toISOString()).toBe('2027-12-24T08:00:00.000Z');
    expect(a.end.toISOString()).toBe('2027-12-24T09:00:00.000Z');
    expect(b).toMatchObject({ uid: `booking-${first.id}@booking-service`, sequence: '1', summary: 'Room 4, east wing; level 2: Grace Hopper' });
    expect(b.start.toISOString()).toBe('2027-12-25T13:30:00.000Z');
    expect([a.start.getTime(), b.start.getTime()]).toEqual([Date.parse(second.starts_at as string), Date.parse(first.starts_at as string)]);

    // Start and end are Berlin wall times with TZID, defined by the feed's own VTIMEZONE.
    const starts = eventDateTimes(res.body, 'DTSTART').sort((x, y) => x.value.localeCompare(y.value));
    expect(starts).toEqual([
      { tzid: 'Europe/Berlin', value: localValue('2027-12-24', '09:00') },
      { tzid: 'Europe/Berlin', value: localValue('2027-12-25', '14:30') },
    ]);
    expect(eventDateTimes(res.body, 'DTEND').map((e) => e.tzid)).toEqual(['Europe/Berlin', 'Europe/Berlin']);
    expect(vtimezones(res.body).map(([tzid]) => tzid)).toEqual(['Europe/Berlin']);
    expect(vtimezone(res.body, 'Europe/Berlin').filter((o) => o.start.startsWith('2027'))).toEqual([
      { kind: 'DAYLIGHT', start: '20270328T020000', from: '+0100', to: '+0200' },
      { kind: 'STANDARD', start: '20271031T030000', from: '+0200', to: '+0100' },
    ]);
    expect(starts.map((s) => instantOf(res.body, s))).toEqual([Date.parse(second.starts_at as string), Date.parse(first.starts_at as string)]);

    expect((await api(t, 'PATCH', `/api/v1/bookings/${first.id}`, { time: '15:00' })).statusCode).toBe(200);
    const after = events((await anonymous(`${feedUrl()}?token=${provider.calendar_token}`)).body);
    const moved = after.find((e) => e.uid === `booking-${first.id}@booking-service`)!;
    expect(moved.sequence).toBe('2');
    expect(moved.start.toISOString()).toBe('2027-12-25T14:00:00.000Z');
  });

  it('opens with an admin or a client key without a token', async () => {
    for (const key of [t.adminKey, clientKey]) {
      const res = await t.app.inject({ method: 'GET', url: feedUrl(), headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      expect(events(res.body).length).toBeGreaterThan(0);
    }
  });

  it('refuses a missing or wrong token and a bad key with 401', async () => {
    expectErrorShape(await anonymous(feedUrl()), 401, 'UNAUTHENTICATED');
    const wrong = await anonymous(`${feedUrl()}?token=cal_not-the-right-token`);
    expectErrorShape(wrong, 401, 'UNAUTHENTICATED');
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    expect(wrong.body).not.toContain('BEGIN:VCALENDAR');
    // Another provider's token does not open this feed.
    const other = await makeProvider(t);
    expectErrorShape(await anonymous(`${feedUrl()}?token=${other.calendar_token}`), 401, 'UNAUTHENTICATED');
    const badKey = await t.app.inject({ method: 'GET', url: feedUrl(), headers: { authorization: 'Bearer not-a-key-at-all-0000' } });
    expectErrorShape(badKey, 401, 'UNAUTHENTICATED');
  });

  it('stops opening with a rotated token and opens with the new one', async () => {
    const old = provider.calendar_token as string;
    expect((await anonymous(`${feedUrl()}?token=${old}`)).statusCode).toBe(200);
    const rotated = await api(t, 'POST', `/api/v1/providers/${provider.id}/calendar-token`, {});
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().calendar_token as string;
    expect(fresh).not.toBe(old);
    expectErrorShape(await anonymous(`${feedUrl()}?token=${old}`), 401, 'UNAUTHENTICATED');
    expect((await anonymous(`${feedUrl()}?token=${fresh}`)).statusCode).toBe(200);
    provider = { ...provider, calendar_token: fresh };
  });

  it('answers 404 for an unknown provider to a key holder, 401 to a token holder', async () => {
    expectErrorShape(await api(t, 'GET', '/api/v1/providers/999999/calendar.ics'), 404, 'PROVIDER_NOT_FOUND');
    expectErrorShape(await anonymous(`/api/v1/providers/999999/calendar.ics?token=${provider.calendar_token}`), 401, 'UNAUTHENTICATED');
  });

  it('serves an empty calendar for a provider without bookings', async () => {
    const empty = await makeProvider(t);
    const res = await anonymous(`/api/v1/providers/${empty.id}/calendar.ics?token=${empty.calendar_token}`);
    expect(res.statusCode).toBe(200);
    expect(events(res.body)).toEqual([]);
    expect(ical.sync.parseICS(res.body).vcalendar).toMatchObject({ type: 'VCALENDAR', version: '2.0' });
  });

  const feedOf = (p: Json, key?: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/providers/${p.id}/calendar.ics${key ? '' : `?token=${p.calendar_token}`}`,
      headers: key ? { authorization: `Bearer ${key}`, ...headers } : headers,
    });

  it("shows a client key its own bookings in full and everyone else's only as busy time, without any of their details", async () => {
    const p = await makeProvider(t, { name: 'Shared room', timezone: 'Europe/Berlin' });
    const otherClient = await makeClientKey(t);
    const asClient = async (key: string, fields: Json) => {
      const res = await api(t, 'POST', '/api/v1/bookings', { provider_id: p.id, date: '2027-06-01', ...fields }, key);
      expect(res.statusCode).toBe(201);
      return res.json();
    };
    const mine = await asClient(clientKey, { time: '12:00', customer_name: 'Mine Myself', customer_email: 'mine@example.com' });
    // Two bookings of others that touch (09:00-09:30, 09:30-10:00) and one apart (15:00-16:00).
    const admins = await makeBooking(t, {
      provider_id: p.id, date: '2027-06-01', time: '09:00', customer_name: 'Secret Admin', customer_email: 'secret@example.com', notes: 'private note',
    });
    const theirs = await asClient(otherClient, { time: '09:30', customer_name: 'Other Client', customer_email: 'other@example.com', notes: 'their note' });
    const later = await asClient(otherClient, { time: '15:00', duration_minutes: 60, customer_name: 'Later Client' });
    const hidden = [admins, theirs, later];

    const res = await feedOf(p, clientKey);
    expect(res.statusCode).toBe(200);
    const text = unfolded(res.body);
    for (const secret of ['Secret Admin', 'secret@example.com', 'private note', 'Other Client', 'other@example.com', 'their note', 'Later Client']) {
      expect(text).not.toContain(secret);
    }
    for (const b of hidden) expect(text).not.toMatch(new RegExp(`booking-${b.id}@|#${b.id}\\b`));
    const seen = events(res.body);
    expect(seen).toHaveLength(3);
    const own = seen.find((e) => e.uid === `booking-${mine.id}@booking-service`)!;
    expect(own.summary).toBe('Shared room: Mine Myself');
    expect(own.description).toContain('mine@example.com');
    const busy = seen.filter((e) => e.uid !== own.uid);
    expect(busy.map((e) => [e.summary, e.start.toISOString(), e.end.toISOString()])).toEqual([
      ['Busy', new Date(admins.starts_at).toISOString(), new Date(theirs.ends_at).toISOString()],
      ['Busy', new Date(later.starts_at).toISOString(), new Date(later.ends_at).toISOString()],
    ]);
    for (const e of busy) {
      expect(e.uid).toMatch(/^busy-/);
      expect(e.description).toBeUndefined();
      expect(e).not.toHaveProperty('attendee');
    }

    // Admins and the calendar token, the provider's own calendar app, see every booking in full.
    for (const full of [await feedOf(p, t.adminKey), await feedOf(p)]) {
      expect(full.statusCode).toBe(200);
      expect(uids(full.body).sort()).toEqual([mine, ...hidden].map((b) => `booking-${b.id}@booking-service`).sort());
      for (const name of ['Mine Myself', 'Secret Admin', 'Other Client', 'Later Client', 'private note']) expect(unfolded(full.body)).toContain(name);
    }
    // The token decides alone, even beside a client key.
    const both = await t.app.inject({
      method: 'GET',
      url: `/api/v1/providers/${p.id}/calendar.ics?token=${p.calendar_token}`,
      headers: { authorization: `Bearer ${clientKey}` },
    });
    expect(unfolded(both.body)).toContain('private note');
  });

  it("covers bookings from 30 days before to 365 days after today's date in the provider's zone", async () => {
    const p = await makeProvider(t, { timezone: 'America/New_York' });
    const start = t.clock.now();
    const book = (date: string) => makeBooking(t, { provider_id: p.id, date, time: '10:00' });
    try {
      // 08:00 UTC is 03:00 in New York: today there is 2027-01-04, so the window ends on 2028-01-04.
      t.clock.set('2027-01-04T08:00:00Z');
      const soon = await book('2027-01-10');
      const lastDay = await book('2028-01-04');
      const beyond = await book('2028-01-05');
      expect(uids((await feedOf(p)).body)).toEqual([soon, lastDay].map((b) => `booking-${b.id}@booking-service`));

      // 2027-02-09 in New York: 30 days back is 2027-01-10, still in; a day later it has left the feed.
      t.clock.set('2027-02-10T04:00:00Z');
      expect(uids((await feedOf(p)).body)).toEqual([soon, lastDay, beyond].map((b) => `booking-${b.id}@booking-service`));
      t.clock.set('2027-02-10T06:00:00Z');
      expect(uids((await feedOf(p)).body)).toEqual([lastDay, beyond].map((b) => `booking-${b.id}@booking-service`));
    } finally {
      t.clock.set(start);
    }
  });

  it(`holds at most ${FEED_MAX_BOOKINGS} bookings: the upcoming ones first, then the most recent past ones`, async () => {
    const p = await makeProvider(t);
    const start = t.clock.now();
    const book = (date: string, minute: number) =>
      t.service.useCases.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: p.id, date, time: hhmm(minute), durationMinutes: 30 });
    try {
      t.clock.set('2027-01-04T08:00:00Z');
      const past = [];
      for (let day = 0; day < 20; day++) past.push(await book(addDays('2027-01-05', day), 600));
      const upcoming = [];
      for (let i = 0; i < FEED_MAX_BOOKINGS - 10; i++) upcoming.push(await book(addDays('2027-02-01', Math.floor(i / 10)), 480 + (i % 10) * 30));
      // Today is 2027-01-26: the 20 past bookings all lie in the window, and only the 10 latest of them fit.
      t.clock.set('2027-01-26T12:00:00Z');
      const feed = uids((await feedOf(p)).body);
      expect(feed).toHaveLength(FEED_MAX_BOOKINGS);
      expect(feed).toEqual([...past.slice(10), ...upcoming].map((b) => `booking-${b.id}@booking-service`));

      // Eleven more upcoming ones push out every past booking and then the farthest upcoming one.
      const more = [];
      for (let i = 0; i < 11; i++) more.push(await book('2027-01-28', 480 + i * 30));
      const full = uids((await feedOf(p)).body);
      expect(full).toEqual([...more, ...upcoming].slice(0, FEED_MAX_BOOKINGS).map((b) => `booking-${b.id}@booking-service`));
      expect(full).not.toContain(`booking-${upcoming[upcoming.length - 1].id}@booking-service`);
    } finally {
      t.clock.set(start);
    }
  }, 120_000);

  it('answers 304 to an If-None-Match that names the current feed, and a new ETag once anything in it changes', async () => {
    const p = await makeProvider(t);
    const b = await makeBooking(t, { provider_id: p.id, date: '2027-05-03', time: '10:00', customer_name: 'Polled' });
    const first = await feedOf(p);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const again = await feedOf(p, undefined, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await feedOf(p, undefined, { 'if-none-match': `"other", W/${etag}` })).statusCode).toBe(304);
    expect((await feedOf(p, undefined, { 'if-none-match': '"something-else"' })).statusCode).toBe(200);

    // Another view of the same feed is another representation.
    const asClient = await feedOf(p, clientKey, { 'if-none-match': etag });
    expect(asClient.statusCode).toBe(200);
    expect(asClient.headers.etag).not.toBe(etag);

    expect((await api(t, 'PATCH', `/api/v1/bookings/${b.id}`, { notes: 'changed' })).statusCode).toBe(200);
    const changed = await feedOf(p, undefined, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(unfolded(changed.body)).toContain('Notes: changed');
  });
});
