import { Insertable } from 'kysely';
import { BookingRow } from '../../src/adapters/persistence/schema';
import { aBooking, aProvider, bookingRowOf, NOW, unique } from '../support/builders';
import { KyselyHarness, useHarness } from './harness';

/** The rules the database itself enforces, checked with rows written straight through Kysely, around every adapter. */
export function describeDatabaseConstraints(name: string, makeHarness: () => Promise<KyselyHarness>): void {
  describe(`database constraints: ${name}`, () => {
    const h = useHarness(makeHarness);

    async function providerRow(email = `${unique('p')}@example.com`) {
      return h()
        .db.insertInto('providers')
        .values({
          name: 'P',
          email,
          email_key: email.toLowerCase(),
          timezone: 'UTC',
          default_duration_minutes: 30,
          calendar_token: unique('cal'),
          created_at: NOW,
          updated_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    }

    function bookingRow(providerId: number, time: string, minutes: number, overrides: Partial<Insertable<BookingRow>> = {}): Insertable<BookingRow> {
      const b = aBooking().forProvider(providerId).at('2027-05-01', time).lasting(minutes).build();
      return {
        ...bookingRowOf({ ...b, providerId, status: 'active', version: 1, createdAt: NOW, updatedAt: NOW }),
        ...overrides,
      };
    }

    /** The driver's code for the refusal; fails when the database accepted the statement. */
    async function refusal(statement: Promise<unknown>): Promise<string> {
      try {
        await statement;
      } catch (error) {
        return String((error as { code?: unknown }).code);
      }
      throw new Error('the database accepted it');
    }
    const codes = () =>
      h().dialect === 'postgres'
        ? { overlap: '23P01', check: '23514', foreignKey: '23503', unique: '23505' }
        : { overlap: 'SQLITE_CONSTRAINT_TRIGGER', check: 'SQLITE_CONSTRAINT_CHECK', foreignKey: 'SQLITE_CONSTRAINT_FOREIGNKEY', unique: 'SQLITE_CONSTRAINT_UNIQUE' };

    const insert = (row: Insertable<BookingRow>) => h().db.insertInto('bookings').values(row).returning('id').executeTakeFirstOrThrow();
    const count = async (providerId: number) =>
      Number((await h().db.selectFrom('bookings').select((eb) => eb.fn.countAll().as('n')).where('provider_id', '=', providerId).executeTakeFirstOrThrow()).n);

    it('refuses an overlapping active row inserted without any application check', async () => {
      const { id } = await providerRow();
      await insert(bookingRow(id, '10:00', 60));
      expect(await refusal(insert(bookingRow(id, '10:59', 60)))).toBe(codes().overlap);
      await insert(bookingRow(id, '11:00', 60));
      await insert(bookingRow(id, '10:30', 60, { status: 'cancelled', cancelled_at: NOW }));
      expect(await count(id)).toBe(3);
    });

    it('refuses an update that moves an active row onto another', async () => {
      const { id } = await providerRow();
      await insert(bookingRow(id, '10:00', 60));
      const other = await insert(bookingRow(id, '12:00', 60));
      const onto = bookingRow(id, '10:30', 60);
      const move = h()
        .db.updateTable('bookings')
        .set({ starts_at: onto.starts_at, ends_at: onto.ends_at, block_start: onto.block_start, block_end: onto.block_end })
        .where('id', '=', other.id)
        .execute();
      expect(await refusal(move)).toBe(codes().overlap);
    });

    it('refuses re-activating a cancelled row over an active one', async () => {
      const { id } = await providerRow();
      await insert(bookingRow(id, '10:00', 60));
      const cancelled = await insert(bookingRow(id, '10:00', 60, { status: 'cancelled', cancelled_at: NOW }));
      expect(await refusal(h().db.updateTable('bookings').set({ status: 'active' }).where('id', '=', cancelled.id).execute())).toBe(codes().overlap);
    });

    it('refuses a span that is empty or not inside its widened span, and an unknown status', async () => {
      const { id } = await providerRow();
      const ok = bookingRow(id, '15:00', 30);
      expect(await refusal(insert({ ...ok, ends_at: ok.starts_at }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, block_start: Number(ok.starts_at) + 1 }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, block_end: Number(ok.ends_at) - 1 }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, status: 'pending' }))).toBe(codes().check);
      expect(await count(id)).toBe(0);
    });

    it('refuses a widened span longer than 480 minutes plus two 240-minute buffers, so overlap checks can bound their scans', async () => {
      const { id } = await providerRow();
      const ok = bookingRow(id, '09:00', 60);
      const widest = 960 * 60_000;
      await insert({ ...ok, block_start: Number(ok.starts_at) - 240 * 60_000, block_end: Number(ok.starts_at) - 240 * 60_000 + widest });
      expect(await refusal(insert({ ...bookingRow(id, '23:00', 60), block_end: Number(bookingRow(id, '23:00', 60).starts_at) + widest + 1 }))).toBe(codes().check);
    });

    it('finds an overlap with a booking that starts up to the widest span earlier', async () => {
      const { id } = await providerRow();
      const long = bookingRow(id, '00:00', 480);
      await insert({ ...long, block_start: Number(long.starts_at) - 240 * 60_000, block_end: Number(long.ends_at) + 240 * 60_000 });
      // Its after-buffer ends at 12:00: a booking at 11:59 starts 959 minutes after that widened span began.
      expect(await refusal(insert(bookingRow(id, '11:59', 30)))).toBe(codes().overlap);
      await insert(bookingRow(id, '12:00', 30));
    });

    it('refuses a booking of an absent provider', async () => {
      expect(await refusal(insert(bookingRow(987_654_321, '10:00', 30)))).toBe(codes().foreignKey);
    });

    it('refuses a second provider with the same email key', async () => {
      const email = `${unique('dup')}@example.com`;
      await providerRow(email);
      expect(await refusal(providerRow(email.toUpperCase()))).toBe(codes().unique);
    });

    it('the repository refuses the same overlaps as SlotUnavailableError, leaving the stored row alone', async () => {
      const p = await h().repos.providers.create(aProvider().build());
      const kept = await h().repos.bookings.insert(aBooking().of(p).at('2027-05-02', '10:00').lasting(60).build());
      await expect(h().repos.bookings.insert(aBooking().of(p).at('2027-05-02', '10:30').build())).rejects.toMatchObject({
        code: 'SLOT_UNAVAILABLE',
      });
      const rows = await h().db.selectFrom('bookings').select('id').where('provider_id', '=', p.id).execute();
      expect(rows.map((r) => Number(r.id))).toEqual([kept.id]);
    });
  });
}
