import { FixedClock } from '../../src/adapters/system/system-clock';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { DomainError, ForbiddenError, PoolUnavailableError, ServiceNotFoundError, ValidationError } from '../../src/domain/errors';
import { createService } from '../../src/service';

describe('services in process (createService)', () => {
  it('creates a service of two pools, books it, moves it and lists it, with no HTTP', async () => {
    const service = await createService({ databaseUrl: 'sqlite::memory:', clock: new FixedClock(Date.parse('2027-01-04T08:00:00Z')) });
    try {
      const u = service.useCases;
      const stylist = await u.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Stylist', email: 'stylist@example.com', timezone: 'Europe/Berlin' });
      const chair = await u.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Chair', email: 'chair@example.com' });
      const cut = await u.createService.execute({ actor: SYSTEM_ACTOR, name: 'Cut', durationMinutes: 45, pools: [[stylist.id], [chair.id]], timezone: 'Europe/London' });
      expect(cut).toMatchObject({ slotIntervalMinutes: 45, requiresConfirmation: false, pools: [[stylist.id], [chair.id]] });

      const booking = await u.createBooking.execute({ actor: SYSTEM_ACTOR, serviceId: cut.id, date: '2027-06-07', time: '09:00', customerName: 'Grace' });
      expect(booking).toMatchObject({
        serviceId: cut.id,
        providerIds: [stylist.id, chair.id],
        providerId: stylist.id,
        timezone: 'Europe/London',
        durationMinutes: 45,
        startsAt: Date.parse('2027-06-07T08:00:00Z'),
        manageToken: expect.any(String),
      });
      // Both are taken now: the first pool that cannot be filled is named.
      const refusal = await u.createBooking.execute({ actor: SYSTEM_ACTOR, serviceId: cut.id, date: '2027-06-07', time: '09:00' }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(PoolUnavailableError);
      expect(refusal).toMatchObject({ code: 'SLOT_UNAVAILABLE', details: { pool: 0 } });

      const moved = await u.updateBooking.execute({ actor: SYSTEM_ACTOR, id: booking.id, changes: { time: '10:30' } });
      expect(moved).toMatchObject({ startMinute: 630, providerIds: [stylist.id, chair.id], version: 2 });
      const page = await u.listBookings.execute({ actor: SYSTEM_ACTOR, serviceId: cut.id });
      expect(page.items.map((json) => JSON.parse(json))).toEqual([expect.objectContaining({ id: booking.id, time: '10:30:00', provider_ids: [stylist.id, chair.id] })]);

      const slots = await u.getServiceAvailability.execute({ actor: SYSTEM_ACTOR, serviceId: cut.id, date: '2027-06-07' });
      expect(slots.days[0].slots).toContain('09:00');
      expect(slots.days[0].slots).not.toContain('10:30');

      await expect(u.createService.execute({ actor: { keyId: 7, role: 'client' }, name: 'X', durationMinutes: 30, pools: [[chair.id]] })).rejects.toThrow(ForbiddenError);
      await expect(u.createService.execute({ actor: SYSTEM_ACTOR, name: 'X', durationMinutes: 30, pools: [[chair.id], [chair.id]] })).rejects.toThrow(ValidationError);
      await u.deleteService.execute({ actor: SYSTEM_ACTOR, id: cut.id });
      await expect(u.getService.execute({ actor: SYSTEM_ACTOR, id: cut.id })).rejects.toThrow(ServiceNotFoundError);
      expect(await u.getBooking.execute({ actor: SYSTEM_ACTOR, id: booking.id })).toMatchObject({ serviceId: cut.id });
      expect(refusal).toBeInstanceOf(DomainError);
    } finally {
      await service.close();
    }
  });
});
