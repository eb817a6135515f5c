import { Booking, BookingStatus } from '../domain/booking';
import { Hold } from '../domain/hold';
import { formatMinutesWithSeconds } from '../domain/local-date';
import { Provider } from '../domain/provider';
import { Service } from '../domain/service';
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
  status: BookingStatus;
  customer_name: string | null;
  customer_email: string | null;
  notes: string | null;
  version: number;
  updated_at: string;
  cancelled_at: string | null;
  service_id: number | null;
  provider_ids: number[];
  series_id: number | null;
}

export interface ProviderView {
  id: number;
  name: string;
  email: string;
  timezone: string;
  default_duration_minutes: number;
  capacity: number;
  created_at: string;
  updated_at: string;
  calendar_token?: string;
}

export interface ServiceView {
  id: number;
  name: string;
  duration_minutes: number;
  timezone: string;
  slot_interval_minutes: number;
  requires_confirmation: boolean;
  min_cancel_notice_minutes: number;
  min_reschedule_notice_minutes: number;
  pools: number[][];
  created_at: string;
  updated_at: string;
}

export interface HoldView {
  id: number;
  provider_id: number;
  provider_ids: number[];
  service_id: number | null;
  date: string;
  time: string;
  duration_minutes: number;
  starts_at: string;
  ends_at: string;
  expires_at: string;
  created_at: string;
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
    service_id: b.serviceId,
    provider_ids: b.providerIds,
    series_id: b.seriesId,
  };
}

/** The JSON text of a view, its id first, as stores keep it and lists send it. */
export function viewJson(id: number, view: Omit<BookingView, 'id'>): string {
  return `{"id":${id},${JSON.stringify(view).slice(1)}`;
}

/** The view without its id, as a write stores it before the id exists. */
export function bookingViewWithoutId(b: Omit<Booking, 'id'>, zones: TimeZones): Omit<BookingView, 'id'> {
  const { id: _id, ...rest } = bookingView({ ...b, id: 0 }, zones);
  return rest;
}

export function holdView(h: Hold, zones: TimeZones): HoldView {
  return {
    id: h.id,
    provider_id: h.providerId,
    provider_ids: h.providerIds,
    service_id: h.serviceId,
    date: h.date,
    time: formatMinutesWithSeconds(h.startMinute),
    duration_minutes: h.durationMinutes,
    starts_at: zones.formatWithOffset(h.startsAt, h.timezone),
    ends_at: zones.formatWithOffset(h.endsAt, h.timezone),
    expires_at: isoUtc(h.expiresAt),
    created_at: isoUtc(h.createdAt),
  };
}

export function serviceView(s: Service): ServiceView {
  return {
    id: s.id,
    name: s.name,
    duration_minutes: s.durationMinutes,
    timezone: s.timezone,
    slot_interval_minutes: s.slotIntervalMinutes,
    requires_confirmation: s.requiresConfirmation,
    min_cancel_notice_minutes: s.minCancelNoticeMinutes,
    min_reschedule_notice_minutes: s.minRescheduleNoticeMinutes,
    pools: s.pools,
    created_at: isoUtc(s.createdAt),
    updated_at: isoUtc(s.updatedAt),
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
    capacity: p.capacity,
    created_at: isoUtc(p.createdAt),
    updated_at: isoUtc(p.updatedAt),
  };
  if (withSecrets) view.calendar_token = p.calendarToken;
  return view;
}
