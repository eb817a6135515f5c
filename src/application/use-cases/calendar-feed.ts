import { Actor } from '../../domain/actor';
import { Booking } from '../../domain/booking';
import { ProviderNotFoundError, UnauthenticatedError } from '../../domain/errors';
import { Provider } from '../../domain/provider';
import { Repositories } from '../ports/unit-of-work';

export interface GetCalendarFeedInput {
  /** A caller authenticated by API key (admin or client), or null for a calendar app. */
  actor: Actor | null;
  providerId: number;
  /** The provider's calendar token, for callers without a key; when given, it alone decides. */
  token?: string;
}

/** Compares in time independent of where the strings differ, so a token cannot be guessed character by character. */
function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (given.charCodeAt(i) || 0);
  return diff === 0;
}

export class GetCalendarFeed {
  constructor(private readonly store: Repositories) {}

  /** The provider and its active bookings in start order, for any API key or the provider's calendar token. */
  async execute(input: GetCalendarFeedInput): Promise<{ provider: Provider; bookings: Booking[] }> {
    if (input.token === undefined && !input.actor) throw new UnauthenticatedError('An API key or the calendar token is required');
    const provider = await this.store.providers.getById(input.providerId);
    if (input.token !== undefined && (!provider || !sameSecret(input.token, provider.calendarToken))) {
      // A wrong token never reveals whether the provider exists.
      throw new UnauthenticatedError('The calendar token is not valid for this provider');
    }
    if (!provider) throw new ProviderNotFoundError();
    const bookings: Booking[] = [];
    let after: { startsAt: number; id: number } | undefined;
    for (;;) {
      const page = await this.store.bookings.list({ providerId: provider.id, status: 'active', limit: 500, after });
      bookings.push(...page);
      if (page.length < 500) break;
      const last = page[page.length - 1];
      after = { startsAt: last.startsAt, id: last.id };
    }
    return { provider, bookings };
  }
}
