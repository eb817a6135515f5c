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
