import { Actor, canSeeBooking, isAdmin } from '../../domain/actor';
import { Booking } from '../../domain/booking';
import { ProviderNotFoundError, UnauthenticatedError } from '../../domain/errors';
import { addDays } from '../../domain/local-date';
import { Provider } from '../../domain/provider';
import { TimeZones } from '../../domain/time-zones';
import { BookingQuery } from '../ports/booking-repository';
import { Clock } from '../ports/clock';
import { sameSecret } from '../access';
import { Repositories } from '../ports/unit-of-work';

/** The feed covers bookings on local dates from this many days before today... */
export const FEED_DAYS_BACK = 30;
/** ...to this many days after it (the default booking horizon), in the provider's zone. */
export const FEED_DAYS_AHEAD = 365;
/** At most this many bookings: the upcoming ones first, then the most recent past ones that still fit. */
export const FEED_MAX_BOOKINGS = 1_000;

const PAGE = 500;

export interface GetCalendarFeedInput {
  /** A caller authenticated by API key (admin or client), or null for a calendar app. */
  actor: Actor | null;
  providerId: number;
  /** The provider's calendar token, for callers without a key; when given, it alone decides. */
  token?: string;
}

/** Time in which the provider is busy with bookings the caller may not see: nothing but the span. */
export interface BusySpan {
  startsAt: number;
  endsAt: number;
}

export interface CalendarFeed {
  provider: Provider;
  /** Bookings shown in full, in start order. */
  bookings: Booking[];
  /** The caller's view of everyone else's bookings: their spans merged, in start order. */
  busy: BusySpan[];
}

/** Overlapping or touching spans become one, so a busy block does not tell how many bookings fill it. */
function mergeSpans(bookings: Booking[]): BusySpan[] {
  const spans: BusySpan[] = [];
  for (const b of [...bookings].sort((x, y) => x.startsAt - y.startsAt)) {
    const last = spans[spans.length - 1];
    if (last && b.startsAt <= last.endsAt) last.endsAt = Math.max(last.endsAt, b.endsAt);
    else spans.push({ startsAt: b.startsAt, endsAt: b.endsAt });
  }
  return spans;
}

export class GetCalendarFeed {
  constructor(
    private readonly store: Repositories,
    private readonly clock: Clock,
    private readonly zones: TimeZones,
  ) {}

  /**
   * The provider's active bookings in a bounded window around today, for any API key or the provider's calendar
   * token. Admins and the token see every booking in full; a client sees its own in full and the rest as busy time.
   */
  async execute(input: GetCalendarFeedInput): Promise<CalendarFeed> {
    if (input.token === undefined && !input.actor) throw new UnauthenticatedError('An API key or the calendar token is required');
    const provider = await this.store.providers.getById(input.providerId);
    if (input.token !== undefined && (!provider || !sameSecret(input.token, provider.calendarToken))) {
      // A wrong token never reveals whether the provider exists.
      throw new UnauthenticatedError('The calendar token is not valid for this provider');
    }
    if (!provider) throw new ProviderNotFoundError();

    const today = this.zones.toLocal(this.clock.now(), provider.timezone).date;
    const base = { providerId: provider.id, status: 'active' as const };
    const upcoming = await this.read({ ...base, fromDate: today, toDate: addDays(today, FEED_DAYS_AHEAD) }, FEED_MAX_BOOKINGS);
    const room = FEED_MAX_BOOKINGS - upcoming.length;
    const past = room > 0 ? await this.read({ ...base, fromDate: addDays(today, -FEED_DAYS_BACK), toDate: addDays(today, -1) }) : [];
    const bookings = [...past.slice(Math.max(0, past.length - room)), ...upcoming];

    const actor = input.token === undefined ? input.actor : null;
    if (!actor || isAdmin(actor)) return { provider, bookings, busy: [] };
    const own = bookings.filter((b) => canSeeBooking(actor, b));
    return { provider, bookings: own, busy: mergeSpans(bookings.filter((b) => !canSeeBooking(actor, b))) };
  }

  /** Every booking the query matches (up to `max`), in start order, page by page through the index. */
  private async read(query: Omit<BookingQuery, 'limit' | 'after'>, max = Infinity): Promise<Booking[]> {
    const found: Booking[] = [];
    let after: BookingQuery['after'];
    while (found.length < max) {
      const limit = Math.min(PAGE, max - found.length);
      const page = await this.store.bookings.list({ ...query, limit, after });
      found.push(...page);
      if (page.length < limit) break;
      const last = page[page.length - 1];
      after = { startsAt: last.startsAt, id: last.id };
    }
    return found;
  }
}
