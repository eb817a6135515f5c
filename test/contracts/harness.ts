import { Kysely, Selectable } from 'kysely';
import { InMemoryState } from '../../src/adapters/in-memory/in-memory-state';
import { InMemoryUnitOfWork, inMemoryRepositories } from '../../src/adapters/in-memory/in-memory-unit-of-work';
import { DatabaseHandle, openDatabase } from '../../src/adapters/persistence/database';
import { KyselyUnitOfWork, kyselyRepositories } from '../../src/adapters/persistence/kysely-unit-of-work';
import { migrateToLatest } from '../../src/adapters/persistence/migrator';
import { BookingEventRow, BookingRow, Database, IdempotencyKeyRow, OccupancyRow, ProviderRow } from '../../src/adapters/persistence/schema';
import { BookingEvent } from '../../src/application/ports/booking-event-log';
import { StoredOutcome } from '../../src/application/ports/idempotency-store';
import { Repositories, UnitOfWork } from '../../src/application/ports/unit-of-work';
import { Booking, BookingEventType, BookingStatus } from '../../src/domain/booking';
import { Occupancy } from '../../src/domain/occupancy';
import { Provider } from '../../src/domain/provider';
import { ScheduleProps } from '../../src/domain/schedule';
import { DialectName, freshDatabaseUrl } from '../support/databases';

export interface StoredIdempotencyRecord {
  fingerprint: string;
  state: 'pending' | 'done';
  outcome: StoredOutcome | null;
  claimedAt: number;
  expiresAt: number;
}

/** Reads what a store really holds, around the adapter under test, so a suite can check what was saved. */
export interface StorePeek {
  provider(id: number): Promise<Provider | null>;
  /** Providers whose email equals `email` ignoring case. */
  providersWithEmail(email: string): Promise<Provider[]>;
  booking(id: number): Promise<Booking | null>;
  /** Every booking of a provider, cancelled ones included, by id. */
  bookingsOf(providerId: number): Promise<Booking[]>;
  /** Every event of a booking, in the order written. */
  eventsOf(bookingId: number): Promise<Omit<BookingEvent, 'id'>[]>;
  /** A booking's stored view (JSON text). */
  viewOf(bookingId: number): Promise<string | null>;
  /** Every occupancy of a booking, released ones included, in the order written, with its status. */
  occupanciesOf(bookingId: number): Promise<(Occupancy & { status: string })[]>;
  schedule(providerId: number): Promise<ScheduleProps | null>;
  idempotency(scope: string, key: string): Promise<StoredIdempotencyRecord | null>;
}

export interface ContractHarness {
  /** Repositories outside any transaction. */
  repos: Repositories;
  /** Transactions of different providers run at once (PostgreSQL); else one writer at a time (SQLite, memory). */
  concurrentWriters: boolean;
  uow: UnitOfWork;
  peek: StorePeek;
  close(): Promise<void>;
}

export type MakeHarness = () => Promise<ContractHarness>;

/** A database-backed harness also hands out the Kysely instance on the same handle. */
export interface KyselyHarness extends ContractHarness {
  dialect: DialectName;
  db: Kysely<Database>;
  handle: DatabaseHandle;
}

export function inMemoryHarness(): Promise<ContractHarness> {
  const state = new InMemoryState();
  const copy = <T>(value: T | undefined): T | null => (value === undefined ? null : structuredClone(value));
  const peek: StorePeek = {
    provider: async (id) => copy(state.providers.get(id)),
    providersWithEmail: async (email) => [...state.providers.values()].filter((p) => p.email.toLowerCase() === email.toLowerCase()).map((p) => ({ ...p })),
    booking: async (id) => copy(state.bookings.get(id)),
    bookingsOf: async (providerId) =>
      [...state.bookings.values()].filter((b) => b.providerId === providerId).sort((a, b) => a.id - b.id).map((b) => ({ ...b })),
    eventsOf: async (bookingId) => state.events.filter((e) => e.bookingId === bookingId).map(({ id: _id, ...e }) => structuredClone(e)),
    viewOf: async (bookingId) => state.views.get(bookingId) ?? null,
    occupanciesOf: async (bookingId) =>
      [...state.occupancies.values()].filter((o) => o.bookingId === bookingId).sort((a, b) => a.id - b.id).map((o) => ({ ...o })),
    schedule: async (providerId) => copy(state.schedules.get(providerId)?.props),
    idempotency: async (scope, key) => copy(state.idempotency.get(`${scope}\u0000${key}`)),
  };
  return Promise.resolve({
    repos: inMemoryRepositories(state),
    concurrentWriters: false,
    uow: new InMemoryUnitOfWork(state),
    peek,
    close: async () => undefined,
  });
}

// The peek's own row mappers, written apart from the adapters' so that a mapping slip there shows here.
function providerFromRow(r: Selectable<ProviderRow>): Provider & { emailKey: string } {
  return {
    id: Number(r.id),
    name: r.name,
    email: r.email,
    emailKey: r.email_key,
    timezone: r.timezone,
    defaultDurationMinutes: Number(r.default_duration_minutes),
    capacity: Number(r.capacity),
    calendarToken: r.calendar_token,
    revision: Number(r.revision),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const nullableNumber = (v: number | null) => (v === null ? null : Number(v));

function bookingFromRow(r: Selectable<BookingRow>): Booking {
  return {
    id: Number(r.id),
    providerId: Number(r.provider_id),
    providerIds: JSON.parse(r.provider_ids) as number[],
    serviceId: nullableNumber(r.service_id),
    seriesId: nullableNumber(r.series_id),
    date: r.date,
    startMinute: Number(r.start_minute),
    durationMinutes: Number(r.duration_minutes),
    endMinute: Number(r.end_minute),
    timezone: r.timezone,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    status: r.status as BookingStatus,
    customerName: r.customer_name,
    customerEmail: r.customer_email,
    notes: r.notes,
    createdBy: nullableNumber(r.created_by),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    cancelledAt: nullableNumber(r.cancelled_at),
    manageTokenHash: r.manage_token_hash,
  };
}

function occupancyFromRow(r: Selectable<OccupancyRow>): Occupancy & { status: string } {
  return {
    id: Number(r.id),
    providerId: Number(r.provider_id),
    lane: Number(r.lane),
    blockStart: Number(r.block_start),
    blockEnd: Number(r.block_end),
    startsAt: Number(r.starts_at),
    bookingId: nullableNumber(r.booking_id),
    holdId: nullableNumber(r.hold_id),
    expiresAt: nullableNumber(r.expires_at),
    status: r.status,
  };
}

function eventFromRow(r: Selectable<BookingEventRow>): Omit<BookingEvent, 'id'> {
  const booking = JSON.parse(r.booking);
  return {
    type: r.type as BookingEventType,
    at: Number(r.at),
    actor: r.actor_kind === 'customer' ? 'customer' : nullableNumber(r.actor),
    bookingId: Number(r.booking_id),
    providerId: Number(r.provider_id),
    providerIds: booking.provider_ids,
    bookingOwner: nullableNumber(r.booking_owner),
    changes: JSON.parse(r.changes),
    booking,
  };
}

function idempotencyFromRow(r: Selectable<IdempotencyKeyRow>): StoredIdempotencyRecord {
  return {
    fingerprint: r.fingerprint,
    state: r.state as 'pending' | 'done',
    outcome: r.outcome === null ? null : (JSON.parse(r.outcome) as StoredOutcome),
    claimedAt: Number(r.claimed_at),
    expiresAt: Number(r.expires_at),
  };
}

/** A fresh, migrated database of `dialect` with the Kysely adapters over it. */
export async function kyselyHarness(dialect: DialectName): Promise<KyselyHarness> {
  const handle = openDatabase(await freshDatabaseUrl(dialect), { poolSize: 8 });
  await migrateToLatest(handle.db);
  const db = handle.db;
  const strip = (p: (Provider & { emailKey: string }) | null): Provider | null => {
    if (!p) return null;
    const { emailKey: _emailKey, ...provider } = p;
    return provider;
  };
  const peek: StorePeek = {
    provider: async (id) => {
      const row = await db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst();
      return strip(row ? providerFromRow(row) : null);
    },
    providersWithEmail: async (email) => {
      const rows = await db.selectFrom('providers').selectAll().execute();
      return rows.map(providerFromRow).filter((p) => p.email.toLowerCase() === email.toLowerCase()).map((p) => strip(p)!);
    },
    booking: async (id) => {
      const row = await db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? bookingFromRow(row) : null;
    },
    bookingsOf: async (providerId) => {
      const rows = await db.selectFrom('bookings').selectAll().where('provider_id', '=', providerId).orderBy('id').execute();
      return rows.map(bookingFromRow);
    },
    eventsOf: async (bookingId) => {
      const rows = await db.selectFrom('booking_events').selectAll().where('booking_id', '=', bookingId).orderBy('id').execute();
      return rows.map(eventFromRow);
    },
    viewOf: async (bookingId) => (await db.selectFrom('bookings').select('view').where('id', '=', bookingId).executeTakeFirst())?.view ?? null,
    occupanciesOf: async (bookingId) => {
      const rows = await db.selectFrom('occupancies').selectAll().where('booking_id', '=', bookingId).orderBy('id').execute();
      return rows.map(occupancyFromRow);
    },
    schedule: async (providerId) => {
      const row = await db.selectFrom('schedules').select('definition').where('provider_id', '=', providerId).executeTakeFirst();
      return row ? (JSON.parse(row.definition) as ScheduleProps) : null;
    },
    idempotency: async (scope, key) => {
      const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
      return row ? idempotencyFromRow(row) : null;
    },
  };
  return {
    dialect,
    db,
    handle,
    repos: kyselyRepositories(db, handle.capabilities),
    concurrentWriters: dialect === 'postgres',
    uow: new KyselyUnitOfWork(db, handle.capabilities),
    peek,
    close: () => handle.close(),
  };
}

/** Opens the harness before a suite's tests and closes it after them. */
export function useHarness<H extends ContractHarness>(make: () => Promise<H>): () => H {
  let harness: H | undefined;
  beforeAll(async () => {
    harness = await make();
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the harness is not open yet');
    return harness;
  };
}

/** A promise and the function that settles it, to hold a transaction open at a chosen point. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
