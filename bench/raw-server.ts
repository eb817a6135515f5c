/**
 * The raw baseline for the benchmark: Fastify and the database driver, nothing else. It serves the two routes
 * the benchmark drives, POST /api/v1/bookings and GET /api/v1/bookings, by the same rules and with the same
 * bodies as the service, for providers without a schedule (the benchmark's providers have none):
 * - Bearer key auth by a hashed-key lookup on every request, first admin key from BOOTSTRAP_ADMIN_KEY;
 * - validation of body and query, the "Missing required fields" message, one error shape;
 * - a booking is placed in the provider's zone, refused in the past, and checked against overlapping active
 *   spans inside a transaction that locks the provider's row (Postgres) or holds the write lock from BEGIN
 *   IMMEDIATE (SQLite); the booking and its booking_events row are written in that transaction;
 * - keyset pages in (starts_at, id) order with the same cursor format.
 * The schema is the project's, created by its migrations before this process starts.
 *
 * Env: DATABASE_URL (sqlite:<path> or postgres://...), PORT, HOST, BOOTSTRAP_ADMIN_KEY.
 */
import { decodeCursor as decodeServiceCursor, encodeCursor } from '../src/application/cursor';
import type { Selectable } from 'kysely';
import type { BookingRow as StoredBookingRow } from '../src/adapters/persistence/schema';
import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import SqliteDatabase from 'better-sqlite3';
import Fastify, { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { IANAZone } from 'luxon';
import pg from 'pg';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MAX_BLOCK_MS = (480 + 240 + 240) * MINUTE_MS;
const EVENT_ORDER_LOCK = 0x626f6f6b;
const TOUCH_EVERY_MS = 60_000;

// ---------------------------------------------------------------------------------------------- rows and views

type BookingRow = Selectable<StoredBookingRow>;

interface ProviderRow {
  id: number;
  timezone: string;
  default_duration_minutes: number;
}

interface KeyRow {
  id: number;
  role: string;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

interface Actor {
  keyId: number;
  role: string;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const hhmmss = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:00`;
const iso = (ms: number) => new Date(ms).toISOString();

const zoneCache = new Map<string, IANAZone>();
function zone(name: string): IANAZone {
  let z = zoneCache.get(name);
  if (!z) zoneCache.set(name, (z = IANAZone.create(name)));
  return z;
}

const HOUR_MS = 3_600_000;
const hourOffsets = new Map<string, number | null>();

/** The zone's offset in minutes; memoised per hour when constant through it (Intl look-ups are slow). */
function offsetAt(tz: string, instant: number): number {
  const hour = Math.floor(instant / HOUR_MS);
  const key = `${tz}|${hour}`;
  let cached = hourOffsets.get(key);
  if (cached === undefined) {
    const z = zone(tz);
    const start = z.offset(hour * HOUR_MS);
    if (hourOffsets.size >= 50_000) hourOffsets.clear();
    hourOffsets.set(key, (cached = start === z.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : null));
  }
  return cached ?? zone(tz).offset(instant);
}

function withOffset(instant: number, tz: string): string {
  const offset = offsetAt(tz, instant);
  const wall = new Date(instant + offset * MINUTE_MS).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${wall}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The instant a wall-clock time on a date has in a zone: null when skipped, the first when repeated. */
function toInstant(date: string, minute: number, tz: string): number | null {
  const naive = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + minute * MINUTE_MS;
  const candidates = [offsetAt(tz, naive - DAY_MS), offsetAt(tz, naive + DAY_MS)]
    .map((offset) => naive - offset * MINUTE_MS)
    .filter((instant) => naive - instant === offsetAt(tz, instant) * MINUTE_MS)
    .sort((a, b) => a - b);
  return candidates.length ? candidates[0] : null;
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function view(b: BookingRow) {
  return {
    id: b.id,
    provider_id: b.provider_id,
    date: b.date,
    time: hhmmss(b.start_minute),
    created_at: iso(b.created_at),
    duration_minutes: b.duration_minutes,
    end_time: hhmmss(b.end_minute),
    timezone: b.timezone,
    starts_at: withOffset(b.starts_at, b.timezone),
    ends_at: withOffset(b.ends_at, b.timezone),
    status: b.status,
    customer_name: b.customer_name,
    customer_email: b.customer_email,
    notes: b.notes,
    version: b.version,
    updated_at: iso(b.updated_at),
    cancelled_at: b.cancelled_at === null ? null : iso(b.cancelled_at),
  };
}

// -------------------------------------------------------------------------------------------------- cursors

/** The service's own cursor format (a pure function), so the two can never drift apart. */
function decodeCursor(cursor: string, scope: string): [number, number] | null {
  try {
    return decodeServiceCursor(cursor, scope, ['number', 'number']) as [number, number];
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------- the rule

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface CreateInput {
  providerId: number;
  date: string;
  startMinute: number;
  durationMinutes?: number;
  customerName: string | null;
  customerEmail: string | null;
  notes: string | null;
}

/** Places the booking in the provider's zone; throws the first calendar rule it breaks (no schedule: open all day). */
function place(provider: ProviderRow, input: CreateInput, now: number) {
  const duration = input.durationMinutes ?? provider.default_duration_minutes;
  if (input.startMinute + duration > 1440) {
    throw new Refusal(400, 'VALIDATION_ERROR', 'A booking may end at midnight but not cross it', { field: 'duration_minutes' });
  }
  const startsAt = toInstant(input.date, input.startMinute, provider.timezone);
  if (startsAt === null) {
    throw new Refusal(422, 'NONEXISTENT_LOCAL_TIME', `${input.date} ${hhmmss(input.startMinute).slice(0, 5)} does not exist in ${provider.timezone}`);
  }
  const endsAt = startsAt + duration * MINUTE_MS;
  const midnight = toInstant(nextDay(input.date), 0, provider.timezone) ?? toInstant(nextDay(input.date), 60, provider.timezone)!;
  if (endsAt > midnight) {
    throw new Refusal(400, 'VALIDATION_ERROR', 'A booking may end at midnight but not cross it', { field: 'duration_minutes' });
  }
  const endWall = new Date(endsAt + offsetAt(provider.timezone, endsAt) * MINUTE_MS);
  const endMinute = endsAt === midnight ? 1440 : endWall.getUTCHours() * 60 + endWall.getUTCMinutes();
  if (startsAt < now) throw new Refusal(422, 'IN_THE_PAST', 'The booking would start in the past');
  return { duration, startsAt, endsAt, endMinute };
}

function bookingValues(provider: ProviderRow, input: CreateInput, placed: ReturnType<typeof place>, actor: Actor, now: number) {
  return [
    provider.id,
    input.date,
    input.startMinute,
    placed.duration,
    placed.endMinute,
    provider.timezone,
    placed.startsAt,
    placed.endsAt,
    placed.startsAt,
    placed.endsAt,
    'active',
    input.customerName,
    input.customerEmail,
    input.notes,
    actor.keyId,
    1,
    now,
    now,
  ];
}

const conflictRefusal = (id?: number) =>
  new Refusal(409, 'SLOT_UNAVAILABLE', 'This time slot is already booked', id === undefined ? undefined : { conflicting_booking_id: id });
const providerMissing = () => new Refusal(404, 'PROVIDER_NOT_FOUND', 'Provider not found');
const scheduleUnsupported = () => new Refusal(501, 'INTERNAL', 'The baseline does not implement schedules');

const BOOKING_INSERT_COLUMNS =
  'provider_id, date, start_minute, duration_minutes, end_minute, timezone, starts_at, ends_at, block_start, block_end, status, customer_name, customer_email, notes, created_by, version, created_at, updated_at';
const EVENT_INSERT_COLUMNS = 'booking_id, provider_id, booking_owner, type, at, actor, changes, booking';
// Locks the provider's row for the transaction and bumps the revision that availability ETags follow.
const LOCK_PROVIDER = 'update providers set revision = revision + 1 where id = $1 returning id, timezone, default_duration_minutes';
const FIND_CONFLICT =
  "select id from bookings where provider_id = $1 and status = 'active' and block_start > $2 and block_start < $3 and block_end > $4 order by block_start limit 1";

interface ListQuery {
  providerId?: number;
  createdBy?: number;
  status: string;
  after?: [number, number];
  limit: number;
}

function listSql(q: ListQuery, placeholder: (n: number) => string): { text: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(placeholder(params.length)));
  };
  if (q.providerId !== undefined) add((p) => `provider_id = ${p}`, q.providerId);
  if (q.createdBy !== undefined) add((p) => `created_by = ${p}`, q.createdBy);
  if (q.status !== 'all') add((p) => `status = ${p}`, q.status);
  if (q.after) {
    params.push(q.after[0], q.after[1]);
    where.push(`(starts_at, id) > (${placeholder(params.length - 1)}, ${placeholder(params.length)})`);
  }
  params.push(q.limit);
  const text = `select * from bookings${where.length ? ` where ${where.join(' and ')}` : ''} order by starts_at, id limit ${placeholder(params.length)}`;
  return { text, params };
}

// ---------------------------------------------------------------------------------------------------- stores

interface Store {
  findKey(hash: string): Promise<KeyRow | null>;
  touchKey(id: number, at: number): Promise<void>;
  bootstrap(hash: string, now: number): Promise<void>;
  createBooking(input: CreateInput, actor: Actor, now: number): Promise<BookingRow>;
  list(q: ListQuery): Promise<BookingRow[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function sqliteStore(path: string): Store {
  const db = new SqliteDatabase(path, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const q = (text: string) => db.prepare(text.replace(/\$\d+/g, '?'));
  const findKey = q('select id, role, expires_at, revoked_at, last_used_at from api_keys where key_hash = $1');
  const touchKey = q('update api_keys set last_used_at = $1 where id = $2');
  const lockProvider = q(LOCK_PROVIDER);
  const schedule = q('select 1 from schedules where provider_id = $1');
  const conflict = q(FIND_CONFLICT);
  const insertBooking = q(`insert into bookings (${BOOKING_INSERT_COLUMNS}) values (${BOOKING_INSERT_COLUMNS.split(',').map(() => '?').join(',')}) returning *`);
  const insertEvent = q(`insert into booking_events (${EVENT_INSERT_COLUMNS}) values (?,?,?,?,?,?,?,?)`);
  const listStatements = new Map<string, SqliteDatabase.Statement>();

  const create = db.transaction((input: CreateInput, actor: Actor, now: number): BookingRow => {
    const provider = lockProvider.get(input.providerId) as ProviderRow | undefined;
    if (!provider) throw providerMissing();
    if (schedule.get(provider.id)) throw scheduleUnsupported();
    const placed = place(provider, input, now);
    const other = conflict.get(provider.id, placed.startsAt - MAX_BLOCK_MS, placed.endsAt, placed.startsAt) as { id: number } | undefined;
    if (other) throw conflictRefusal(other.id);
    let row: BookingRow;
    try {
      row = insertBooking.get(...bookingValues(provider, input, placed, actor, now)) as BookingRow;
    } catch (error) {
      if (error instanceof Error && error.message.includes('SLOT_UNAVAILABLE')) throw conflictRefusal();
      throw error;
    }
    insertEvent.run(row.id, row.provider_id, row.created_by, 'booking.created', now, actor.keyId, '{}', JSON.stringify(view(row)));
    return row;
  });

  return {
    findKey: async (hash) => (findKey.get(hash) as KeyRow | undefined) ?? null,
    touchKey: async (id, at) => void touchKey.run(at, id),
    bootstrap: async (hash, now) => {
      db.transaction(() => {
        if ((db.prepare('select count(*) as n from api_keys').get() as { n: number }).n > 0) return;
        db.prepare("insert into api_keys (name, role, key_hash, created_at) values ('bootstrap admin', 'admin', ?, ?)").run(hash, now);
      }).immediate();
    },
    createBooking: async (input, actor, now) => create.immediate(input, actor, now),
    list: async (query) => {
      const { text, params } = listSql(query, () => '?');
      let statement = listStatements.get(text);
      if (!statement) listStatements.set(text, (statement = db.prepare(text)));
      return statement.all(...params) as BookingRow[];
    },
    ping: async () => void db.prepare('select 1').get(),
    close: async () => void db.close(),
  };
}

function postgresStore(url: string): Store {
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    findKey: async (hash) =>
      ((await pool.query('select id, role, expires_at, revoked_at, last_used_at from api_keys where key_hash = $1', [hash])).rows[0] as KeyRow | undefined) ??
      null,
    touchKey: async (id, at) => void (await pool.query('update api_keys set last_used_at = $1 where id = $2', [at, id])),
    bootstrap: async (hash, now) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('lock table api_keys in exclusive mode');
        const { rows } = await client.query('select count(*)::int as n from api_keys');
        if (rows[0].n === 0) {
          await client.query("insert into api_keys (name, role, key_hash, created_at) values ('bootstrap admin', 'admin', $1, $2)", [hash, now]);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    createBooking: async (input, actor, now) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const provider = (await client.query(LOCK_PROVIDER, [input.providerId])).rows[0] as ProviderRow | undefined;
        if (!provider) throw providerMissing();
        if ((await client.query('select 1 from schedules where provider_id = $1', [provider.id])).rowCount) throw scheduleUnsupported();
        const placed = place(provider, input, now);
        const other = (await client.query(FIND_CONFLICT, [provider.id, placed.startsAt - MAX_BLOCK_MS, placed.endsAt, placed.startsAt])).rows[0];
        if (other) throw conflictRefusal(other.id as number);
        const values = bookingValues(provider, input, placed, actor, now);
        const row = (
          await client.query(
            `insert into bookings (${BOOKING_INSERT_COLUMNS}) values (${values.map((_, i) => `$${i + 1}`).join(',')}) returning *`,
            values,
          )
        ).rows[0] as BookingRow;
        // Event ids must become visible in commit order (the pull feed relies on it), as in the service.
        await client.query('select pg_advisory_xact_lock($1)', [EVENT_ORDER_LOCK]);
        await client.query(`insert into booking_events (${EVENT_INSERT_COLUMNS}) values ($1,$2,$3,$4,$5,$6,$7,$8)`, [
          row.id,
          row.provider_id,
          row.created_by,
          'booking.created',
          now,
          actor.keyId,
          '{}',
          JSON.stringify(view(row)),
        ]);
        await client.query('commit');
        return row;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        if ((error as { code?: string }).code === '23P01') throw conflictRefusal();
        throw error;
      } finally {
        client.release();
      }
    },
    list: async (query) => {
      const { text, params } = listSql(query, (n) => `$${n}`);
      return (await pool.query(text, params)).rows as BookingRow[];
    },
    ping: async () => void (await pool.query('select 1')),
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------------- HTTP

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const createBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    provider_id: { type: 'integer', minimum: 1 },
    date: { type: 'string', pattern: DATE },
    time: { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:\\d{2})?$' },
    duration_minutes: { type: 'integer', minimum: 5, maximum: 480 },
    customer_name: { type: ['string', 'null'], maxLength: 200 },
    customer_email: { type: ['string', 'null'], maxLength: 254 },
    notes: { type: ['string', 'null'], maxLength: 1000 },
  },
};
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    provider_id: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: ['active', 'cancelled', 'all'] },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
};

function isRealDate(value: string): boolean {
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
}

function sendError(reply: FastifyReply, status: number, code: string, error: string, details?: unknown) {
  return reply.code(status).send(details === undefined ? { error, code } : { error, code, details });
}

const actors = new WeakMap<FastifyRequest, Actor>();

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? '';
  const store = url.startsWith('sqlite:') ? sqliteStore(url.slice('sqlite:'.length)) : postgresStore(url);
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  if (process.env.BOOTSTRAP_ADMIN_KEY) await store.bootstrap(sha256(process.env.BOOTSTRAP_ADMIN_KEY), Date.now());

  const app = Fastify({ logger: false, bodyLimit: 102_400 });
  const bodyAjv = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: true, strict: false });
  const textAjv = new Ajv({ coerceTypes: true, removeAdditional: false, allErrors: true, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'NOT_FOUND', 'Route not found'));
  app.setErrorHandler((error: FastifyError | Refusal, _request, reply) => {
    if (error instanceof Refusal) return sendError(reply, error.status, error.code, error.message, error.details);
    if ((error as FastifyError).validation) return sendError(reply, 400, 'VALIDATION_ERROR', error.message);
    const status = (error as FastifyError).statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (status === 415) return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
    if (status === 400) return sendError(reply, 400, 'VALIDATION_ERROR', 'Request body is not valid JSON');
    return sendError(reply, 500, 'INTERNAL', 'Internal error');
  });

  app.get('/ready', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return sendError(reply, 503, 'UNAVAILABLE', 'The database does not answer');
    }
  });

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const key = secret && secret.length <= 512 ? await store.findKey(sha256(secret)) : null;
    const now = Date.now();
    if (!key || key.revoked_at !== null || (key.expires_at !== null && key.expires_at <= now)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, 'UNAUTHENTICATED', 'A valid API key is required');
    }
    if (key.last_used_at === null || now - key.last_used_at >= TOUCH_EVERY_MS) {
      key.last_used_at = now;
      void store.touchKey(key.id, now).catch(() => undefined);
    }
    actors.set(request, { keyId: key.id, role: key.role });
  };

  app.post(
    '/api/v1/bookings',
    {
      onRequest: authenticate,
      schema: { body: createBody },
      preValidation: async (request, reply) => {
        const body = request.body as Record<string, unknown> | null;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          return sendError(reply, 400, 'VALIDATION_ERROR', 'Request body must be a JSON object');
        }
        const missing = ['provider_id', 'date', 'time'].filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
        if (missing.length) return sendError(reply, 400, 'VALIDATION_ERROR', `Missing required fields: ${missing.join(', ')}`, { missing });
      },
    },
    async (request, reply) => {
      const b = request.body as {
        provider_id: number;
        date: string;
        time: string;
        duration_minutes?: number;
        customer_name?: string | null;
        customer_email?: string | null;
        notes?: string | null;
      };
      if (!isRealDate(b.date)) {
        return sendError(reply, 400, 'VALIDATION_ERROR', 'date must be a real calendar date in the form YYYY-MM-DD', { field: 'date' });
      }
      if (b.time.length === 8 && !b.time.endsWith(':00')) return sendError(reply, 400, 'VALIDATION_ERROR', 'time must have :00 seconds', { field: 'time' });
      const row = await store.createBooking(
        {
          providerId: b.provider_id,
          date: b.date,
          startMinute: Number(b.time.slice(0, 2)) * 60 + Number(b.time.slice(3, 5)),
          durationMinutes: b.duration_minutes,
          customerName: b.customer_name ?? null,
          customerEmail: b.customer_email ?? null,
          notes: b.notes ?? null,
        },
        actors.get(request)!,
        Date.now(),
      );
      reply.code(201).header('location', `/api/v1/bookings/${row.id}`).header('etag', `"${row.version}"`);
      return view(row);
    },
  );

  app.get('/api/v1/bookings', { onRequest: authenticate, schema: { querystring: listQuery } }, async (request, reply) => {
    const q = request.query as { provider_id?: number; status?: string; limit?: number; cursor?: string };
    const limit = q.limit ?? 50;
    const status = q.status ?? 'active';
    const actor = actors.get(request)!;
    const createdBy = actor.role === 'admin' ? undefined : actor.keyId;
    const scope = `bookings|${q.provider_id ?? ''}|${createdBy ?? ''}|||${status}`;
    let after: [number, number] | undefined;
    if (q.cursor !== undefined) {
      const position = decodeCursor(q.cursor, scope);
      if (!position) return sendError(reply, 400, 'VALIDATION_ERROR', 'cursor is invalid; use next_cursor from a previous page of the same query', { field: 'cursor' });
      after = position;
    }
    const rows = await store.list({ providerId: q.provider_id, createdBy, status, after, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { data: items.map(view), next_cursor: rows.length > limit ? encodeCursor([last.starts_at, last.id], scope) : null };
  });

  await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
  const stop = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`raw server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
