import { Generated } from 'kysely';

/** Row types as stored. Instants are epoch milliseconds (BIGINT / INTEGER) on both databases. */
export interface ProviderRow {
  id: Generated<number>;
  name: string;
  email: string;
  email_key: string;
  timezone: string;
  default_duration_minutes: number;
  capacity: Generated<number>;
  calendar_token: string;
  revision: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface BookingRow {
  id: Generated<number>;
  provider_id: number;
  /** JSON array of provider ids. */
  provider_ids: string;
  service_id: number | null;
  series_id: number | null;
  date: string;
  start_minute: number;
  duration_minutes: number;
  end_minute: number;
  timezone: string;
  starts_at: number;
  ends_at: number;
  status: string;
  customer_name: string | null;
  customer_email: string | null;
  notes: string | null;
  created_by: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  cancelled_at: number | null;
  manage_token_hash: string | null;
  /** JSON text of the booking's public view, written with every change. */
  view: string;
}

export interface OccupancyRow {
  id: Generated<number>;
  provider_id: number;
  lane: number;
  block_start: number;
  block_end: number;
  starts_at: number;
  booking_id: number | null;
  hold_id: number | null;
  status: string;
  expires_at: number | null;
}

export interface ServiceRow {
  id: Generated<number>;
  name: string;
  duration_minutes: number;
  timezone: string;
  slot_interval_minutes: number;
  requires_confirmation: number;
  min_cancel_notice_minutes: number;
  min_reschedule_notice_minutes: number;
  /** JSON: provider ids, one list per pool. */
  pools: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface HoldRow {
  id: Generated<number>;
  provider_id: number;
  provider_ids: string;
  service_id: number | null;
  date: string;
  start_minute: number;
  duration_minutes: number;
  end_minute: number;
  timezone: string;
  starts_at: number;
  ends_at: number;
  expires_at: number;
  status: string;
  created_by: number | null;
  created_at: number;
}

export interface SeriesRow {
  id: Generated<number>;
  /** JSON of the repeat rule. */
  repeat: string;
  created_by: number | null;
  created_at: number;
}

export interface BookingEventRow {
  id: Generated<number>;
  booking_id: number;
  provider_id: number;
  booking_owner: number | null;
  type: string;
  at: number;
  actor: number | null;
  /** `customer` when the booking's customer made the change; null for API keys and in-process callers. */
  actor_kind: string | null;
  changes: string;
  booking: string;
  /** The event's place in the feed: null until published (PostgreSQL), the id itself on SQLite. */
  position: number | null;
}

export interface ScheduleRow {
  provider_id: number;
  definition: string;
  updated_at: number;
}

export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  fingerprint: string;
  state: string;
  outcome: string | null;
  claimed_at: number;
  expires_at: number;
}

export interface ApiKeyRow {
  id: Generated<number>;
  name: string;
  role: string;
  key_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

// The outbox tables (migration 0002).

export interface WebhookRow {
  id: Generated<number>;
  url: string;
  /** JSON array of event types. */
  events: string;
  secret: string;
  start_after_event_id: number;
  created_at: number;
  deleted_at: number | null;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
}

export interface OutboxCursorRow {
  consumer: string;
  last_event_id: number;
}

export interface OutboxRow {
  id: Generated<number>;
  event_id: number;
  channel: string;
  webhook_id: number | null;
  recipient: string | null;
  recipient_role: string | null;
  target: string;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  claim: string | null;
  claimed_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface OutboxAttemptRow {
  id: Generated<number>;
  outbox_id: number;
  event_id: number;
  webhook_id: number | null;
  attempt: number;
  status_code: number | null;
  error: string | null;
  at: number;
  next_attempt_at: number | null;
}

export interface Database {
  providers: ProviderRow;
  bookings: BookingRow;
  occupancies: OccupancyRow;
  services: ServiceRow;
  holds: HoldRow;
  booking_series: SeriesRow;
  booking_events: BookingEventRow;
  schedules: ScheduleRow;
  idempotency_keys: IdempotencyKeyRow;
  api_keys: ApiKeyRow;
  webhooks: WebhookRow;
  outbox_cursors: OutboxCursorRow;
  outbox: OutboxRow;
  outbox_attempts: OutboxAttemptRow;
  service_keys: ServiceKeyRow;
}

// Keys the service itself holds (migration 0005).
export interface ServiceKeyRow {
  name: string;
  /** base64url of the key's bytes. */
  key: string;
  created_at: number;
}
