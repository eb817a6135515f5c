import { Booking } from '../domain/booking';
import { formatMinutesWithSeconds } from '../domain/local-date';
import { Provider } from '../domain/provider';
import { TimeZones } from '../domain/time-zones';

/** The public shape of a booking, as the API, the event feed and webhooks show it. */
export interface BookingView {
  id: number;
  provider_id: number;
  date: string;
  time: string;
  created_at: string;
  duration_minutes: number;
  end_time: string;
  timezone: string;
  starts_at: string;
  ends_at: string;
  status: 'active' | 'cancelled';
  customer_name: string | null;
  customer_email: string | null;
  notes: string | null;
  version: number;
  updated_at: string;
  cancelled_at: string | null;
}

export interface ProviderView {
  id: number;
  name: string;
  email: string;
  timezone: string;
  default_duration_minutes: number;
  created_at: string;
  updated_at: string;
  calendar_token?: string;
}

/** An instant as ISO 8601 in UTC with milliseconds: `2027-12-01T09:12:44.120Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

export function bookingView(b: Booking, zones: TimeZones): BookingView {
  return {
    id: b.id,
    provider_id: b.providerId,
    date: b.date,
    time: formatMinutesWithSeconds(b.startMinute),
    created_at: isoUtc(b.createdAt),
    duration_minutes: b.durationMinutes,
    end_time: formatMinutesWithSeconds(b.endMinute),
    timezone: b.timezone,
    starts_at: zones.formatWithOffset(b.startsAt, b.timezone),
    ends_at: zones.formatWithOffset(b.endsAt, b.timezone),
    status: b.status,
    customer_name: b.customerName,
    customer_email: b.customerEmail,
    notes: b.notes,
    version: b.version,
    updated_at: isoUtc(b.updatedAt),
    cancelled_at: b.cancelledAt === null ? null : isoUtc(b.cancelledAt),
  };
}

/** `calendar_token` is shown only to admins. */
export function providerView(p: Provider, withSecrets: boolean): ProviderView {
  const view: ProviderView = {
    id: p.id,
    name: p.name,
    email: p.email,
    timezone: p.timezone,
    default_duration_minutes: p.defaultDurationMinutes,
    created_at: isoUtc(p.createdAt),
    updated_at: isoUtc(p.updatedAt),
  };
  if (withSecrets) view.calendar_token = p.calendarToken;
  return view;
}
