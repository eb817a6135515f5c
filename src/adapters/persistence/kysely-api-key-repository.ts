import { Kysely, Selectable, sql } from 'kysely';
import { ApiKeyRepository, NewApiKey } from '../../application/ports/api-key-repository';
import { Role } from '../../domain/actor';
import { ApiKey } from '../../domain/api-key';
import { Capabilities } from './database';
import { KEY_REVOKED_CHANNEL } from './postgres-key-revocations';
import { PreparedQuery } from './prepared-query';
import { ApiKeyRow, Database } from './schema';

function toDomain(row: Omit<Selectable<ApiKeyRow>, 'key_hash'>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Transaction-scoped advisory lock key taken while deciding whether the first admin key is needed. */
const KEYRING_LOCK = 0x6b657973;

const PUBLIC_COLUMNS = ['id', 'name', 'role', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;

const keyByHash = new PreparedQuery((db, v: { keyHash: string }) =>
  db.selectFrom('api_keys').select(PUBLIC_COLUMNS).where('key_hash', '=', v.keyHash),
);

export class KyselyApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async create(key: NewApiKey): Promise<ApiKey> {
    const row = await this.db
      .insertInto('api_keys')
      .values({ name: key.name, role: key.role, key_hash: key.keyHash, created_at: key.createdAt, expires_at: key.expiresAt })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow();
    return toDomain(row);
  }

  async findByHash(keyHash: string): Promise<ApiKey | null> {
    const row = await keyByHash.first(this.db, { keyHash });
    return row ? toDomain(row) : null;
  }

  async getById(id: number): Promise<ApiKey | null> {
    const row = await this.db.selectFrom('api_keys').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').select(PUBLIC_COLUMNS).orderBy('id').execute();
    return rows.map(toDomain);
  }

  async countActiveAdminsForUpdate(now: number): Promise<number> {
    // Lock the admin rows so that two concurrent revocations cannot both see "one other admin left".
    let query = this.db
      .selectFrom('api_keys')
      .select('id')
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (this.capabilities.rowLocks) query = query.forUpdate();
    return (await query.execute()).length;
  }

  async revoke(id: number, at: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    // Every instance drops the keys it kept when this commits (SQLite's other processes see the file change).
    if (this.capabilities.dialect === 'postgres') await sql`select pg_notify(${KEY_REVOKED_CHANNEL}, ${String(id)})`.execute(this.db);
  }

  async touch(id: number, at: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at - 60_000)]))
      .execute();
  }

  async countForUpdate(): Promise<number> {
    // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock that also covers "no rows yet".
    if (this.capabilities.rowLocks) await sql`select pg_advisory_xact_lock(${KEYRING_LOCK})`.execute(this.db);
    const row = await this.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
