/**
 * Public entry point: create the booking service in-process and call its use cases with no HTTP at all.
 *
 *   const service = await createService({ databaseUrl: 'sqlite::memory:' });
 *   const provider = await service.useCases.createProvider.execute({ actor: SYSTEM_ACTOR, name: 'Ada', email: 'ada@example.com' });
 */
export { createService, type BookingService, type ServiceOptions } from './service';
export { startServer, type RunningServer } from './http-server';
export { loadConfig, type AppConfig } from './adapters/config/config';
export { buildApp } from './adapters/http/app';
export { FixedClock, SystemClock } from './adapters/system/system-clock';
export { SYSTEM_ACTOR, type Actor, type Role } from './domain/actor';
export type { Booking, BookingStatus, BookingEventType } from './domain/booking';
export type { Provider } from './domain/provider';
export { Schedule, type ScheduleInput, type ScheduleView } from './domain/schedule';
export * from './domain/errors';
export * from './application/use-cases';
export { bookingView, providerView, type BookingView, type ProviderView } from './application/views';
export type { Clock } from './application/ports/clock';
export { verifyWebhookSignature, type VerifyWebhookSignatureOptions } from './adapters/webhooks/webhook-signature';
export { WEBHOOK_SECRET_GRACE_MS } from './domain/webhook';

// Every type that appears in the signatures above, so that an embedding application can name what it passes and gets.
export type { Dispatcher, DispatcherOptions, DispatchSummary, MailLimit } from './application/dispatcher';
export type { IdempotentExecution, IdempotencyOptions, IdempotentRequest, OutcomeCodec, RecordOutcome } from './application/idempotency';
export type { Page } from './application/cursor';
export type { Target } from './application/placement';
export type { Logger } from './application/ports/logger';
export type { Mailer, BookingMail } from './application/ports/mailer';
export type { WebhookSender, WebhookRequest, WebhookResult } from './application/ports/webhook-sender';
export type { WebhookUrlPolicy, VettedWebhookTarget } from './application/ports/webhook-url-policy';
export type { KeyRevocations } from './application/ports/key-revocations';
export type { Secrets } from './application/ports/secrets';
export type {
  Outbox,
  OutboxFanOut,
  NewOutboxItem,
  EnqueuedItem,
  OutboxChannel,
  OutboxStatus,
  OutboxItem,
  AttemptRecord,
  DeliveryAttempt,
  OutboxStats,
  DiscardedCount,
  RecipientRole,
} from './application/ports/outbox';
export type { Repositories, UnitOfWork } from './application/ports/unit-of-work';
export type { ProviderRepository, NewProvider, ProviderChanges } from './application/ports/provider-repository';
export type { AgendaRepository, ProviderAgenda } from './application/ports/agenda-repository';
export type { BookingRepository, NewBooking, EventRecord, EventActor, WriteBasis, BookingQuery, StoredView } from './application/ports/booking-repository';
export type { ServiceRepository } from './application/ports/service-repository';
export type { HoldRepository, NewHold } from './application/ports/hold-repository';
export type { SeriesRepository } from './application/ports/series-repository';
export type { ScheduleRepository } from './application/ports/schedule-repository';
export type { BookingEventLog, BookingEvent } from './application/ports/booking-event-log';
export type { IdempotencyStore, ClaimResult, StoredOutcome } from './application/ports/idempotency-store';
export type { ApiKeyRepository, NewApiKey } from './application/ports/api-key-repository';
export type { WebhookRepository, NewWebhook } from './application/ports/webhook-repository';
export type { ApiKey } from './domain/api-key';
export type { BookingChanges, CustomerFields } from './domain/booking';
export type { PlacedSpan } from './domain/booking-policy';
export type { ChangePolicy } from './domain/change-policy';
export type { DeliverySchedule } from './domain/delivery-schedule';
export type { Hold, HoldStatus } from './domain/hold';
export type { Weekday } from './domain/local-date';
export type { Occupancy, LaneChange, Placement } from './domain/occupancy';
export type { ProviderFields } from './domain/provider';
export type { ScheduleProps, Window } from './domain/schedule';
export type { Series, Repeat, Frequency } from './domain/series';
export type { Service, ServiceFields } from './domain/service';
export type { TimeZones, LocalReading } from './domain/time-zones';
export type { Webhook } from './domain/webhook';
export type { DatabaseHandle, Capabilities, DialectName, DriverHandle } from './adapters/persistence/database';
export type {
  Database,
  ProviderRow,
  BookingRow,
  OccupancyRow,
  ServiceRow,
  HoldRow,
  SeriesRow,
  BookingEventRow,
  ScheduleRow,
  IdempotencyKeyRow,
  ApiKeyRow,
  WebhookRow,
  OutboxCursorRow,
  OutboxRow,
  OutboxAttemptRow,
} from './adapters/persistence/schema';
export type { HttpAppOptions } from './adapters/http/app';
export type { SecurityOptions } from './adapters/http/security';
export type { OutboxStats as MetricsOutboxStats, PoolStats } from './adapters/http/metrics';
