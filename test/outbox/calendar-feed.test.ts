import ical, { VEvent } from 'node-ical';
import { expectErrorShape } from '../http/helpers';
import { DIALECTS } from '../support/databases';
import { eventDateTimes, instantOf, localValue, vtimezone, vtimezones } from '../support/icalendar';
import { TestApp } from '../support/http-harness';
import { api, createOutboxApp, Json, makeBooking, makeClientKey, makeProvider } from './support';

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
});
