import { Insertable } from 'kysely';
import { OccupancyRow } from '../../src/adapters/persistence/schema';
import { StaleDecisionError } from '../../src/application/ports/unit-of-work';
import { aBooking, aProvider, NOW, storeBooking, unique } from '../support/builders';
import { kyselyHarness, KyselyHarness, useHarness } from '../contracts/harness';
import { DIALECTS } from '../support/databases';

/** The rules the database itself enforces, checked with rows written straight through Kysely, around every adapter. */
function describeDatabaseConstraints(name: string, makeHarness: () => Promise<KyselyHarness>): void {
  describe(`database constraints: ${name}`, () => {
    const h = useHarness(makeHarness);

    async function providerRow(email = `${unique('p')}@example.com`, capacity = 1) {
      return h()
        .db.insertInto('providers')
        .values({
          name: 'P',
          email,
          email_key: email.toLowerCase(),
          timezone: 'UTC',
          default_duration_minutes: 30,
          capacity,
          calendar_token: unique('cal'),
          created_at: NOW,
          updated_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    }

    /** An occupying row of `providerId` at `time` on 2027-05-01 (UTC), of a booking stored for it. */
    async function occupancyRow(providerId: number, time: string, minutes: number, overrides: Partial<Insertable<OccupancyRow>> = {}): Promise<Insertable<OccupancyRow>> {
      const b = aBooking().forProvider(providerId).at('2027-05-01', time).lasting(minutes).cancelled();
      const owner = await storeBooking(h().repos, b);
      return {
        provider_id: providerId,
        lane: 1,
        block_start: owner.startsAt,
        block_end: owner.endsAt,
        starts_at: owner.startsAt,
        booking_id: owner.id,
        hold_id: null,
        status: 'occupying',
        expires_at: null,
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
        ? { overlap: '23P01', check: '23514', foreignKey: '23503', unique: '23505', trigger: '23514' }
        : { overlap: 'SQLITE_CONSTRAINT_TRIGGER', check: 'SQLITE_CONSTRAINT_CHECK', foreignKey: 'SQLITE_CONSTRAINT_FOREIGNKEY', unique: 'SQLITE_CONSTRAINT_UNIQUE', trigger: 'SQLITE_CONSTRAINT_TRIGGER' };

    const insert = (row: Insertable<OccupancyRow>) => h().db.insertInto('occupancies').values(row).returning('id').executeTakeFirstOrThrow();
    const count = async (providerId: number) =>
      Number(
        (await h().db.selectFrom('occupancies').select((eb) => eb.fn.countAll().as('n')).where('provider_id', '=', providerId).where('status', '=', 'occupying').executeTakeFirstOrThrow()).n,
      );

    it('refuses an overlapping occupying row on the same lane, inserted without any application check', async () => {
      const { id } = await providerRow();
      await insert(await occupancyRow(id, '10:00', 60));
      expect(await refusal(insert(await occupancyRow(id, '10:59', 60)))).toBe(codes().overlap);
      await insert(await occupancyRow(id, '11:00', 60));
      await insert(await occupancyRow(id, '10:30', 60, { status: 'released' }));
      expect(await count(id)).toBe(2);
    });

    it('takes overlapping rows on different lanes up to the provider’s capacity, and refuses a lane above it', async () => {
      const { id } = await providerRow(undefined, 2);
      await insert(await occupancyRow(id, '10:00', 60));
      await insert(await occupancyRow(id, '10:00', 60, { lane: 2 }));
      expect(await refusal(insert(await occupancyRow(id, '14:00', 60, { lane: 3 })))).toBe(codes().trigger);
      expect(await refusal(insert(await occupancyRow(id, '10:30', 60, { lane: 2 })))).toBe(codes().overlap);
      expect(await count(id)).toBe(2);
    });

    it('refuses an update that moves an occupying row onto another, or onto a lane above the capacity', async () => {
      const { id } = await providerRow();
      await insert(await occupancyRow(id, '10:00', 60));
      const other = await insert(await occupancyRow(id, '12:00', 60));
      const onto = await occupancyRow(id, '10:30', 60);
      const move = h().db.updateTable('occupancies').set({ block_start: onto.block_start, block_end: onto.block_end }).where('id', '=', other.id).execute();
      expect(await refusal(move)).toBe(codes().overlap);
      expect(await refusal(h().db.updateTable('occupancies').set({ lane: 2 }).where('id', '=', other.id).execute())).toBe(codes().trigger);
    });

    it('refuses re-occupying a released row over an occupying one', async () => {
      const { id } = await providerRow();
      await insert(await occupancyRow(id, '10:00', 60));
      const released = await insert(await occupancyRow(id, '10:00', 60, { status: 'released' }));
      expect(await refusal(h().db.updateTable('occupancies').set({ status: 'occupying' }).where('id', '=', released.id).execute())).toBe(codes().overlap);
    });

    it('refuses an empty span, a lane of 0, an unknown status, and a row owned by both or neither of a booking and a hold', async () => {
      const { id } = await providerRow();
      const ok = await occupancyRow(id, '15:00', 30);
      expect(await refusal(insert({ ...ok, block_end: ok.block_start }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, lane: 0 }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, status: 'held' }))).toBe(codes().check);
      expect(await refusal(insert({ ...ok, booking_id: null }))).toBe(codes().check);
      expect(await count(id)).toBe(0);
    });

    it('refuses a widened span longer than 480 minutes plus two 240-minute buffers, so overlap checks can bound their scans', async () => {
      const { id } = await providerRow();
      const ok = await occupancyRow(id, '09:00', 60);
      const widest = 960 * 60_000;
      await insert({ ...ok, block_start: Number(ok.starts_at) - 240 * 60_000, block_end: Number(ok.starts_at) - 240 * 60_000 + widest });
      const late = await occupancyRow(id, '23:00', 60);
      expect(await refusal(insert({ ...late, block_end: Number(late.block_start) + widest + 1 }))).toBe(codes().check);
    });

    it('finds an overlap with a span that starts up to the widest span earlier', async () => {
      const { id } = await providerRow();
      const long = await occupancyRow(id, '00:00', 480);
      await insert({ ...long, block_start: Number(long.starts_at) - 240 * 60_000, block_end: Number(long.starts_at) + 720 * 60_000 });
      // Its after-buffer ends at 12:00: a span at 11:59 starts 959 minutes after that widened span began.
      expect(await refusal(insert(await occupancyRow(id, '11:59', 30)))).toBe(codes().overlap);
      await insert(await occupancyRow(id, '12:00', 30));
    });

    it('refuses an occupancy or a booking of an absent provider', async () => {
      const { id } = await providerRow();
      const ok = await occupancyRow(id, '10:00', 30);
      expect(await refusal(insert({ ...ok, provider_id: 987_654_321 }))).toBe(codes().foreignKey);
    });

    it('refuses a second provider with the same email key', async () => {
      const email = `${unique('dup')}@example.com`;
      await providerRow(email);
      expect(await refusal(providerRow(email.toUpperCase()))).toBe(codes().unique);
    });

    it('the repository refuses the same overlaps as a stale decision, leaving the stored rows alone', async () => {
      const p = await h().repos.providers.create(aProvider().build());
      const kept = await storeBooking(h().repos, aBooking().of(p).at('2027-05-02', '10:00').lasting(60));
      await expect(storeBooking(h().repos, aBooking().of(p).at('2027-05-02', '10:30'))).rejects.toThrow(StaleDecisionError);
      const rows = await h().db.selectFrom('bookings').select('id').where('provider_id', '=', p.id).execute();
      expect(rows.map((r) => Number(r.id))).toEqual([kept.id]);
    });
  });
}

for (const dialect of DIALECTS) describeDatabaseConstraints(dialect, () => kyselyHarness(dialect));
