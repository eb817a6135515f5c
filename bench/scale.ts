import { KyselyAgendaRepository } from '../src/adapters/persistence/kysely-agenda-repository';
import { FEED_MAX_BOOKINGS } from '../src/application/use-cases/calendar-feed';
import { SYSTEM_ACTOR } from '../src/domain/actor';
import { instantRangeOfDates } from '../src/domain/booking-policy';
import { addDays } from '../src/domain/local-date';
import { MAX_BLOCK_MS } from '../src/domain/occupancy';
import { createService } from '../src/service';
import { BENCH_ZONES, BOOKINGS_PER_DAY, layoutBookings, PROVIDER_COLUMNS, providerRow } from './support/data';
import { DatabaseFactory, DatabaseKind, migrate, openBulkWriter } from './support/databases';
import { median } from './support/stats';

/** Providers besides the target provider, over which the rest of the bookings are spread. */
export const OTHER_PROVIDERS = 2000;
/** The target provider's first booked day (a Monday); its bookings run 8 a day, hourly from 09:00, from there. */
const FIRST_DATE = '2030-01-07';
/**
 * The service's clock during the measurements: noon UTC ten days into the target's bookings. Every date asked
 * below lies after it, and the calendar feed (a window around today) finds a full 1,000 upcoming bookings.
 */
const NOW = Date.parse(`${addDays(FIRST_DATE, 10)}T12:00:00Z`);
/** The day asked for availability, and the first of the 31-day range: well inside the target's booked days. */
export const AVAILABILITY_DATE = addDays(FIRST_DATE, 20);
const TARGET_ZONE = 'Europe/Berlin';
/** How deep the deep page is, when the target provider has that many pages. */
export const DEEP_PAGES = 1000;
const PAGE = 50;
const EVENT_PAGE = 100;

export type ScaleQuery =
  | 'list, page 1'
  | 'list, deep page'
  | 'list, all providers'
  | 'agenda read'
  | 'availability, 1 day'
  | 'availability, 31 days'
  | 'event feed'
  | 'calendar feed'
  | 'create booking';
/** The reads whose latency must not grow with the table (large/small at most 1.5). */
export const TARGET_QUERIES: ScaleQuery[] = [
  'list, page 1',
  'list, deep page',
  'list, all providers',
  'agenda read',
  'availability, 1 day',
  'availability, 31 days',
  'event feed',
  'calendar feed',
];
/** Also measured: a booking after the target provider's last one, where new bookings usually go. */
export const SCALE_QUERIES: ScaleQuery[] = [...TARGET_QUERIES, 'create booking'];

/** What each query runs, for the table. */
export const QUERY_LABELS: Record<ScaleQuery, string> = {
  'list, page 1': 'GET /bookings?provider_id, page 1 (occupancies ⋈ bookings, stored views)',
  'list, deep page': 'GET /bookings?provider_id, deep page (keyset cursor)',
  'list, all providers': 'GET /bookings, page 1 (no filter)',
  'agenda read': "agenda read (a booking's check: provider, schedule, occupancies)",
  'availability, 1 day': 'GET /availability, 1 day',
  'availability, 31 days': 'GET /availability, 31 days',
  'event feed': 'GET /events?after=<middle>, 100 events (by position)',
  'calendar feed': 'calendar feed read (1,000 upcoming bookings)',
  'create booking': 'POST /bookings after its last (extra)',
};

export interface ScaleResult {
  kind: DatabaseKind;
  bookings: number;
  targetBookings: number;
  deepPage: number;
  loadSeconds: number;
  /** Median latency in ms per query. */
  medians: Record<ScaleQuery, number>;
}

/**
 * The target provider's share: 6% of the bookings (60,000 at 1M, enough for a page 1,000 pages deep), at least
 * 200 days' worth, so that every availability range and the calendar feed's 1,000 bookings fall on the same booked
 * days at every scale.
 */
export function targetBookingsFor(total: number): number {
  return Math.min(total, Math.max(BOOKINGS_PER_DAY * 200, Math.round(total * 0.06)));
}

async function samplesOf(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

/** A database loaded for the scale part. */
export interface ScaleDataset {
  kind: DatabaseKind;
  url: string;
  bookings: number;
  targetBookings: number;
  loadSeconds: number;
}

/**
 * Loads `total` bookings by bulk insert into a fresh database: a target provider plus 2,000 others, valid
 * non-overlapping spans, each booking with its occupancy, its stored view and its `booking.created` event at
 * position = id, multi-row prepared INSERTs in transactions (not HTTP).
 */
export async function loadDataset(factory: DatabaseFactory, kind: DatabaseKind, total: number, log: (line: string) => void): Promise<ScaleDataset> {
  const url = await factory.fresh(kind, `scale_${total}`);
  await migrate(url);
  const now = Date.now();
  const targetBookings = targetBookingsFor(total);
  const writer = await openBulkWriter(url);
  const started = process.hrtime.bigint();
  try {
    const zones = [TARGET_ZONE, ...Array.from({ length: OTHER_PROVIDERS }, (_, i) => BENCH_ZONES[i % BENCH_ZONES.length])];
    await writer.insert('providers', PROVIDER_COLUMNS, zones.map((z, i) => providerRow(i + 1, z, now)));
    const ids = (await writer.query<{ id: number }>('select id from providers order by id')).map((r) => Number(r.id));
    if (ids[0] !== 1) throw new Error(`the target provider got id ${ids[0]}, expected 1`);
    const others = total - targetBookings;
    const providers = ids.map((id, i) => ({
      id,
      timezone: zones[i],
      count: i === 0 ? targetBookings : Math.floor(others / OTHER_PROVIDERS) + (i - 1 < others % OTHER_PROVIDERS ? 1 : 0),
    }));
    await writer.loadBookings(layoutBookings(providers, FIRST_DATE, now));
    // What autovacuum would do soon after a load this size; SQLite gathers no statistics by itself.
    if (kind === 'postgres') await writer.analyze();
  } finally {
    await writer.close();
  }
  const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  log(`  ${kind}: ${total.toLocaleString('en-US')} bookings loaded in ${loadSeconds.toFixed(1)} s (${Math.round(total / loadSeconds).toLocaleString('en-US')} bookings/s)`);
  return { kind, url, bookings: total, targetBookings, loadSeconds };
}

/**
 * Measures in process, through createService (the use cases as the HTTP adapter calls them with an admin key, and
 * the agenda read as the booking path makes it), on every dataset. Datasets take turns in `rounds` rounds so that
 * drift on the machine hits them alike; each median is over all of a dataset's calls.
 */
export async function measureDatasets(datasets: ScaleDataset[], iterations: number, rounds = 4): Promise<ScaleResult[]> {
  const opened = [];
  try {
    for (const ds of datasets) {
      const service = await createService({ databaseUrl: ds.url, clock: { now: () => NOW } });
      opened.push({ ds, service });
    }
    const prepared = [];
    for (const { ds, service } of opened) {
      const target = 1;
      const { listBookings, getAvailability, listEvents, getCalendarFeed, createBooking } = service.useCases;
      const actor = SYSTEM_ACTOR;
      const page = (cursor?: string) => listBookings.execute({ actor, providerId: target, limit: PAGE, cursor });
      const deepPage = Math.min(DEEP_PAGES, Math.floor((ds.targetBookings - 1) / PAGE));
      let cursor: string | undefined;
      for (let i = 0; i < deepPage; i++) {
        const next = (await page(cursor)).nextCursor;
        if (!next) throw new Error(`the target provider ran out of pages at page ${i + 1}`);
        cursor = next;
      }
      const deepCursor = cursor;
      const first = await page();
      const view = JSON.parse(first.items[0]) as { id: number; provider_id: number; customer_name: string };
      if (first.items.length !== PAGE || view.provider_id !== target || view.id !== 1 || view.customer_name !== 'Customer 1') {
        throw new Error(`page 1 of the target provider does not hold the loaded views: ${first.items[0]}`);
      }

      const availability = await getAvailability.execute({ actor, providerId: target, date: AVAILABILITY_DATE });
      if (availability.days[0].slots.length !== 48 - BOOKINGS_PER_DAY) {
        throw new Error(`availability on ${AVAILABILITY_DATE} has ${availability.days[0].slots.length} slots; the layout expects ${48 - BOOKINGS_PER_DAY}`);
      }
      // The window the booking path reads around a requested date (placement.ts: the date's instants widened by
      // twice the longest block).
      const agendas = new KyselyAgendaRepository(service.database.db, service.database.capabilities, false);
      const range = instantRangeOfDates(AVAILABILITY_DATE, AVAILABILITY_DATE);
      const agendaRead = () => agendas.load([target], range.start - 2 * MAX_BLOCK_MS, range.end + 2 * MAX_BLOCK_MS);
      const agenda = (await agendaRead()).get(target);
      if (!agenda || agenda.occupied.length < BOOKINGS_PER_DAY) throw new Error(`the agenda read found ${agenda?.occupied.length ?? 'no'} occupancies around ${AVAILABILITY_DATE}`);

      const middle = Math.floor(ds.bookings / 2);
      const events = await listEvents.execute({ actor, after: middle, limit: EVENT_PAGE });
      if (events.items.length !== EVENT_PAGE || events.items[0].id !== middle + 1) {
        throw new Error(`the event feed after ${middle} returned ${events.items.length} events from ${events.items[0]?.id}`);
      }
      const feed = await getCalendarFeed.execute({ actor, providerId: target });
      if (feed.bookings.length !== FEED_MAX_BOOKINGS) throw new Error(`the calendar feed read ${feed.bookings.length} bookings, expected ${FEED_MAX_BOOKINGS}`);

      const lastBookedDay = addDays(FIRST_DATE, Math.floor((ds.targetBookings - 1) / BOOKINGS_PER_DAY));
      let created = 0;
      const createNext = () => {
        const i = created++;
        const date = addDays(lastBookedDay, 1 + Math.floor(i / BOOKINGS_PER_DAY));
        const time = `${String(9 + (i % BOOKINGS_PER_DAY)).padStart(2, '0')}:00`;
        return createBooking.execute({ actor, providerId: target, date, time });
      };
      const calls: Record<ScaleQuery, () => Promise<unknown>> = {
        'list, page 1': () => page(),
        'list, deep page': () => page(deepCursor),
        'list, all providers': () => listBookings.execute({ actor, limit: PAGE }),
        'agenda read': agendaRead,
        'availability, 1 day': () => getAvailability.execute({ actor, providerId: target, date: AVAILABILITY_DATE }),
        'availability, 31 days': () => getAvailability.execute({ actor, providerId: target, date: AVAILABILITY_DATE, to: addDays(AVAILABILITY_DATE, 30) }),
        'event feed': () => listEvents.execute({ actor, after: middle, limit: EVENT_PAGE }),
        'calendar feed': () => getCalendarFeed.execute({ actor, providerId: target }),
        'create booking': createNext,
      };
      const warmup = Math.max(5, Math.round(iterations / 10));
      for (const q of SCALE_QUERIES) await samplesOf(warmup, calls[q]);
      prepared.push({ ds, deepPage: deepPage + 1, calls, samples: Object.fromEntries(SCALE_QUERIES.map((q) => [q, [] as number[]])) as Record<ScaleQuery, number[]> });
    }
    const perRound = Math.max(1, Math.ceil(iterations / rounds));
    for (let round = 0; round < rounds; round++) {
      for (const p of prepared) for (const q of SCALE_QUERIES) p.samples[q].push(...(await samplesOf(perRound, p.calls[q])));
    }
    return prepared.map((p) => ({
      kind: p.ds.kind,
      bookings: p.ds.bookings,
      targetBookings: p.ds.targetBookings,
      deepPage: p.deepPage,
      loadSeconds: p.ds.loadSeconds,
      medians: Object.fromEntries(SCALE_QUERIES.map((q) => [q, median(p.samples[q])])) as Record<ScaleQuery, number>,
    }));
  } finally {
    for (const { service } of opened) await service.close();
  }
}
