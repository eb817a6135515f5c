import { Generated } from 'kysely';

/** Row types as stored. Instants are epoch milliseconds (BIGINT / INTEGER) on both databases. */
export interface ProviderRow {
  id: Generated<number>;
  name: string;
  email: string;
  email_key: string;
  timezone: string;
  default_duration_minutes: number;
  calendar_token: string;
  revision: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface BookingRow {
  id: Generated<number>;
  provider_id: number;
  date: string;
  start_minute: number;
  duration_minutes: number;
  end_minute: number;
  timezone: string;
  starts_at: number;
  ends_at: number;
  block_start: number;
  block_end: number;
  status: string;
  customer_name: string | null;
  customer_email: string | null;
  notes: string | null;
  created_by: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  cancelled_at: number | null;
}

export interface BookingEventRow {
  id: Generated<number>;
  booking_id: number;
  provider_id: number;
  booking_owner: number | null;
  type: string;
  at: number;
  actor: number | null;
  changes: string;
  booking: string;
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
  booking_events: BookingEventRow;
  schedules: ScheduleRow;
  idempotency_keys: IdempotencyKeyRow;
  api_keys: ApiKeyRow;
  webhooks: WebhookRow;
  outbox_cursors: OutboxCursorRow;
  outbox: OutboxRow;
  outbox_attempts: OutboxAttemptRow;
}
