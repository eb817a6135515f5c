import { startEmbeddedPostgres } from './embedded-postgres';

/** Starts PostgreSQL for the whole run unless TEST_DATABASE_URL names one. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres();
  process.env.TEST_PG_ADMIN_URL = server.adminUrl;
  (globalThis as { __embeddedPostgres?: typeof server }).__embeddedPostgres = server;
}
