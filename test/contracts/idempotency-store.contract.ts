import { StoredOutcome } from '../../src/application/ports/idempotency-store';
import { NOW, unique } from '../support/builders';
import { MakeHarness, useHarness } from './harness';

const HOUR = 3_600_000;
const TTL = 24 * HOUR;
const STALE = 60_000;

export function describeIdempotencyStoreContract(name: string, makeHarness: MakeHarness): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    /** Claims as a request arriving at `now` would. */
    const claim = (scope: string, key: string, fingerprint: string, now = NOW) =>
      h().repos.idempotency.claim(scope, key, fingerprint, now, now + TTL, now - STALE);
    const ok: StoredOutcome = { kind: 'ok', value: { id: 7, nested: { list: [1, 'two', null] } } };
    const conflict: StoredOutcome = { kind: 'error', code: 'SLOT_UNAVAILABLE', message: 'This time slot is already booked', details: { conflicting_booking_id: 3 } };

    it('the first claim wins and is stored pending with its fingerprint and times', async () => {
      const scope = unique('scope');
      expect(await claim(scope, 'k', 'fp-1')).toEqual({ state: 'claimed' });
      expect(await h().peek.idempotency(scope, 'k')).toEqual({
        fingerprint: 'fp-1',
        state: 'pending',
        outcome: null,
        claimedAt: NOW,
        expiresAt: NOW + TTL,
      });
    });

    it('a second claim while the first runs sees it pending, with the first fingerprint', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      expect(await claim(scope, 'k', 'fp-1', NOW + 1000)).toEqual({ state: 'pending', fingerprint: 'fp-1' });
      expect(await claim(scope, 'k', 'fp-2', NOW + 1000)).toEqual({ state: 'pending', fingerprint: 'fp-1' });
      expect((await h().peek.idempotency(scope, 'k'))?.claimedAt).toBe(NOW);
    });

    it('complete keeps the outcome; later claims get it back exactly', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', ok);

      expect(await claim(scope, 'k', 'fp-1', NOW + HOUR)).toEqual({ state: 'done', fingerprint: 'fp-1', outcome: ok });
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ state: 'done', outcome: ok, fingerprint: 'fp-1' });
    });

    it('an error outcome is kept and replayed too', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', conflict);
      expect(await claim(scope, 'k', 'fp-1', NOW + 1)).toEqual({ state: 'done', fingerprint: 'fp-1', outcome: conflict });
    });

    it('a done record answers with its own fingerprint to a claim with another one (the caller decides)', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', ok);
      expect(await claim(scope, 'k', 'fp-other', NOW + 1)).toEqual({ state: 'done', fingerprint: 'fp-1', outcome: ok });
      expect((await h().peek.idempotency(scope, 'k'))?.fingerprint).toBe('fp-1');
    });

    it('scopes and keys are independent', async () => {
      const a = unique('scope');
      const b = unique('scope');
      await claim(a, 'k', 'fp-a');
      await h().repos.idempotency.complete(a, 'k', ok);
      expect(await claim(b, 'k', 'fp-b')).toEqual({ state: 'claimed' });
      expect(await claim(a, 'k2', 'fp-a')).toEqual({ state: 'claimed' });
      expect((await h().peek.idempotency(a, 'k'))?.state).toBe('done');
      expect(await h().peek.idempotency(b, 'k')).toMatchObject({ state: 'pending', fingerprint: 'fp-b' });
    });

    it('an expired record is taken over, from the moment it expires', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', ok);

      expect((await claim(scope, 'k', 'fp-2', NOW + TTL - 1)).state).toBe('done');
      expect(await claim(scope, 'k', 'fp-2', NOW + TTL)).toEqual({ state: 'claimed' });
      expect(await h().peek.idempotency(scope, 'k')).toEqual({
        fingerprint: 'fp-2',
        state: 'pending',
        outcome: null,
        claimedAt: NOW + TTL,
        expiresAt: NOW + 2 * TTL,
      });
    });

    it('a pending claim older than staleBefore is taken over; one exactly at it is not', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');

      expect(await claim(scope, 'k', 'fp-2', NOW + STALE)).toEqual({ state: 'pending', fingerprint: 'fp-1' });
      expect(await claim(scope, 'k', 'fp-2', NOW + STALE + 1)).toEqual({ state: 'claimed' });
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ fingerprint: 'fp-2', state: 'pending', claimedAt: NOW + STALE + 1 });
    });

    it('a done record is never taken over as stale before it expires', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', ok);
      expect(await claim(scope, 'k', 'fp-1', NOW + 10 * HOUR)).toEqual({ state: 'done', fingerprint: 'fp-1', outcome: ok });
    });

    it('release drops a pending claim, so the retry runs afresh', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.release(scope, 'k');
      expect(await h().peek.idempotency(scope, 'k')).toBeNull();
      expect(await claim(scope, 'k', 'fp-1', NOW + 1)).toEqual({ state: 'claimed' });
    });

    it('release leaves a done record alone', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await h().repos.idempotency.complete(scope, 'k', ok);
      await h().repos.idempotency.release(scope, 'k');
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ state: 'done', outcome: ok });
    });

    it('release and complete of an unknown key store nothing', async () => {
      const scope = unique('scope');
      await h().repos.idempotency.release(scope, 'nothing');
      await h().repos.idempotency.complete(scope, 'nothing', ok);
      expect(await h().peek.idempotency(scope, 'nothing')).toBeNull();
    });

    it('a completion inside a failed transaction leaves the claim pending', async () => {
      const scope = unique('scope');
      await claim(scope, 'k', 'fp-1');
      await expect(
        h().uow.run(async (repos) => {
          await repos.idempotency.complete(scope, 'k', ok);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h().peek.idempotency(scope, 'k')).toMatchObject({ state: 'pending', outcome: null });
    });

    it('purgeExpired deletes records that expired before now, and counts them', async () => {
      // Tiny instants: no other test's records expire this early.
      const scope = unique('scope');
      await h().repos.idempotency.claim(scope, 'old', 'fp', 100, 1_000, 0);
      await h().repos.idempotency.claim(scope, 'edge', 'fp', 100, 2_000, 0);
      await h().repos.idempotency.claim(scope, 'live', 'fp', 100, 3_000, 0);

      expect(await h().repos.idempotency.purgeExpired(2_000)).toBe(1);
      expect(await h().peek.idempotency(scope, 'old')).toBeNull();
      expect(await h().peek.idempotency(scope, 'edge')).not.toBeNull();
      expect(await h().peek.idempotency(scope, 'live')).not.toBeNull();
      expect(await h().repos.idempotency.purgeExpired(2_000)).toBe(0);
    });

    it('concurrent claims of one key: exactly one wins', async () => {
      const scope = unique('scope');
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => claim(scope, 'k', `fp-${i}`)));
      expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1);
      const winner = results.findIndex((r) => r.state === 'claimed');
      for (const r of results) if (r.state !== 'claimed') expect(r).toEqual({ state: 'pending', fingerprint: `fp-${winner}` });
    });
  });
}
