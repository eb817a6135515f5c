import { createService, SYSTEM_ACTOR } from 'booking-service';
import { DIALECTS, freshDatabaseUrl } from '../support/databases';

describe.each(DIALECTS)('smoke on %s', (dialect) => {
  it('creates a provider and a booking in process', async () => {
    const service = await createService({ databaseUrl: await freshDatabaseUrl(dialect) });
    try {
      const p = await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Ada', email: 'a@example.com' });
      const b = await service.useCases.createBooking.execute({ actor: SYSTEM_ACTOR, providerId: p.id, date: '2027-12-25', time: '14:30' });
      expect(b.id).toBe(1);
    } finally {
      await service.close();
    }
  });
});
