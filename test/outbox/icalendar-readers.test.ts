/**
 * What calendar apps make of the real thing: the feed as served and each invitation as mailed, read by ical.js
 * and node-ical, for bookings around Berlin's fall-back night (02:00-03:00 happens twice on 31 October 2027).
 */
import { DIALECTS } from '../support/databases';
import { TestApp } from '../support/http-harness';
import { readWithIcalJs, readWithNodeIcal } from '../support/icalendar-readers';
import { api, createOutboxApp, Json, leafParts, MailSink, makeBooking, makeProvider, parseMime } from './support';

describe.each(DIALECTS)('feeds and mailed invitations read by two iCalendar readers on %s', (dialect) => {
  let t: TestApp;
  let sink: MailSink;

  beforeEach(async () => {
    sink = await new MailSink().start();
    t = await createOutboxApp({ dialect, env: { SMTP_URL: sink.url } });
  });
  afterEach(async () => {
    await t.close();
    await sink.stop();
  });

  it("read every booking at exactly its instants, through the repeated hour too, and the email states both offsets", async () => {
    const provider = await makeProvider(t, { timezone: 'Europe/Berlin' });
    const slots: [string, string, number][] = [
      ['2027-10-31', '02:30', 60],
      ['2027-10-31', '01:00', 60],
      ['2027-10-31', '03:30', 30],
      ['2027-03-28', '01:30', 60],
      ['2027-12-25', '23:30', 30],
    ];
    const bookings: Json[] = [];
    for (const [date, time, duration_minutes] of slots) {
      bookings.push(await makeBooking(t, { provider_id: provider.id, date, time, duration_minutes, customer_email: `c${bookings.length}@example.com` }));
    }
    expect([bookings[0].starts_at, bookings[0].ends_at]).toEqual(['2027-10-31T02:30:00+02:00', '2027-10-31T02:30:00+01:00']);
    const expected = Object.fromEntries(bookings.map((b) => [`booking-${b.id}@booking-service`, [Date.parse(b.starts_at), Date.parse(b.ends_at)]]));

    const feed = await api(t, 'GET', `/api/v1/providers/${provider.id}/calendar.ics`);
    expect(feed.statusCode).toBe(200);
    expect(readWithIcalJs(feed.body)).toEqual(expected);
    expect(readWithNodeIcal(feed.body)).toEqual(expected);

    await t.service.dispatcher.runOnce();
    expect(sink.messages).toHaveLength(bookings.length * 2);
    for (const message of sink.messages) {
      const leaves = leafParts(parseMime(message.raw));
      const calendar = leaves.find((p) => /^text\/calendar/.test(p.headers['content-type'] ?? ''))!.body;
      const uid = Object.keys(readWithNodeIcal(calendar))[0];
      expect(readWithIcalJs(calendar)).toEqual({ [uid]: expected[uid] });
      expect(readWithNodeIcal(calendar)).toEqual({ [uid]: expected[uid] });
    }
    const texts = sink.messages.filter((m) => m.to[0] === 'c0@example.com').map((m) => leafParts(parseMime(m.raw)).find((p) => /^text\/plain/.test(p.headers['content-type'] ?? ''))!.body);
    expect(texts.join('\n')).toContain('02:30 (UTC+02:00) to 02:30 (UTC+01:00) Europe/Berlin');
  });
});
