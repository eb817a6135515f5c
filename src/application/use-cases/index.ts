import { TimeZones } from '../../domain/time-zones';
import { IdempotentExecution } from '../idempotency';
import { Clock } from '../ports/clock';
import { KeyRevocations } from '../ports/key-revocations';
import { Outbox } from '../ports/outbox';
import { ManageTokens } from '../ports/manage-tokens';
import { Secrets } from '../ports/secrets';
import { Repositories, UnitOfWork } from '../ports/unit-of-work';
import { WebhookRepository } from '../ports/webhook-repository';
import { WebhookUrlPolicy } from '../ports/webhook-url-policy';
import { Authenticate, CreateApiKey, EnsureBootstrapKey, ListApiKeys, RevokeApiKey } from './api-keys';
import { GetCalendarFeed } from './calendar-feed';
import {
  CancelBooking,
  CreateBooking,
  DecideBooking,
  GetBooking,
  GetBookingHistory,
  IdentifyCustomer,
  ListBookings,
  ListEvents,
  UpdateBooking,
} from './bookings';
import { GetCustomerBooking } from './customers';
import { CreateHold, GetHold, ReleaseHold } from './holds';
import { CreateProvider, GetProvider, ListProviders, RotateCalendarToken, UpdateProvider } from './providers';
import { DeleteSchedule, GetAvailability, GetSchedule, PutSchedule } from './schedules';
import { CancelSeries, CreateSeries, GetSeries } from './series';
import { CreateService, DeleteService, GetService, GetServiceAvailability, ListServices, UpdateService } from './services';
import { CreateWebhook, DeleteWebhook, GetWebhook, ListWebhookDeliveries, ListWebhooks, RotateWebhookSecret } from './webhooks';

export * from './api-keys';
export * from './bookings';
export * from './calendar-feed';
export * from './customers';
export * from './holds';
export * from './providers';
export * from './schedules';
export * from './series';
export * from './services';
export * from './webhooks';

/** Every use case of the service, as the driving adapters and in-process callers see them. */
export interface UseCases {
  createProvider: CreateProvider;
  getProvider: GetProvider;
  listProviders: ListProviders;
  updateProvider: UpdateProvider;
  rotateCalendarToken: RotateCalendarToken;
  createBooking: CreateBooking;
  getBooking: GetBooking;
  listBookings: ListBookings;
  updateBooking: UpdateBooking;
  cancelBooking: CancelBooking;
  decideBooking: DecideBooking;
  identifyCustomer: IdentifyCustomer;
  getCustomerBooking: GetCustomerBooking;
  getBookingHistory: GetBookingHistory;
  listEvents: ListEvents;
  putSchedule: PutSchedule;
  getSchedule: GetSchedule;
  deleteSchedule: DeleteSchedule;
  getAvailability: GetAvailability;
  createService: CreateService;
  getService: GetService;
  listServices: ListServices;
  updateService: UpdateService;
  deleteService: DeleteService;
  getServiceAvailability: GetServiceAvailability;
  createHold: CreateHold;
  getHold: GetHold;
  releaseHold: ReleaseHold;
  createSeries: CreateSeries;
  getSeries: GetSeries;
  cancelSeries: CancelSeries;
  createApiKey: CreateApiKey;
  listApiKeys: ListApiKeys;
  revokeApiKey: RevokeApiKey;
  authenticate: Authenticate;
  ensureBootstrapKey: EnsureBootstrapKey;
  createWebhook: CreateWebhook;
  rotateWebhookSecret: RotateWebhookSecret;
  listWebhooks: ListWebhooks;
  getWebhook: GetWebhook;
  deleteWebhook: DeleteWebhook;
  listWebhookDeliveries: ListWebhookDeliveries;
  getCalendarFeed: GetCalendarFeed;
}

/** What the core use cases (providers, schedules, availability, bookings, keys, feeds) need. */
export interface CorePorts {
  uow: UnitOfWork;
  /** Repositories outside any transaction, for reads and single-statement writes. */
  store: Repositories;
  clock: Clock;
  zones: TimeZones;
  secrets: Secrets;
  /** Derives each booking's manage token. */
  manageTokens: ManageTokens;
  idempotency: IdempotentExecution;
  /** Lets authentication keep keys it has read; without it every request reads its key from the store. */
  keyRevocations?: KeyRevocations;
}

/** What every use case needs: the core ports and the delivery side's. */
export interface ServicePorts extends CorePorts {
  webhooks: WebhookRepository;
  webhookUrlPolicy: WebhookUrlPolicy;
  outbox: Outbox;
}

export type CoreUseCases = Omit<UseCases, 'createWebhook' | 'rotateWebhookSecret' | 'listWebhooks' | 'getWebhook' | 'deleteWebhook' | 'listWebhookDeliveries'>;

/** Every use case, whatever adapters stand behind the ports. */
export function createUseCases(ports: ServicePorts): UseCases {
  const { webhooks, webhookUrlPolicy, outbox, clock, secrets } = ports;
  return {
    ...createCoreUseCases(ports),
    createWebhook: new CreateWebhook(webhooks, webhookUrlPolicy, clock, secrets),
    rotateWebhookSecret: new RotateWebhookSecret(webhooks, clock, secrets),
    listWebhooks: new ListWebhooks(webhooks),
    getWebhook: new GetWebhook(webhooks),
    deleteWebhook: new DeleteWebhook(webhooks, clock),
    listWebhookDeliveries: new ListWebhookDeliveries(webhooks, outbox),
  };
}

/** Builds every use case that needs only the core ports. */
export function createCoreUseCases({ uow, store, clock, zones, secrets, manageTokens, idempotency, keyRevocations }: CorePorts): CoreUseCases {
  return {
    createProvider: new CreateProvider(store, clock, zones, secrets),
    getProvider: new GetProvider(store),
    listProviders: new ListProviders(store),
    updateProvider: new UpdateProvider(uow, clock, zones),
    rotateCalendarToken: new RotateCalendarToken(store, clock, secrets),
    createBooking: new CreateBooking(uow, store, clock, zones, secrets, manageTokens, idempotency),
    getBooking: new GetBooking(store),
    listBookings: new ListBookings(store),
    updateBooking: new UpdateBooking(uow, clock, zones),
    cancelBooking: new CancelBooking(uow, clock, zones),
    decideBooking: new DecideBooking(uow, clock, zones),
    identifyCustomer: new IdentifyCustomer(store, secrets, manageTokens),
    getCustomerBooking: new GetCustomerBooking(
      store,
      new IdentifyCustomer(store, secrets, manageTokens),
      clock,
      zones,
      new GetAvailability(store, clock, zones),
      new GetServiceAvailability(store, clock, zones),
    ),
    getBookingHistory: new GetBookingHistory(store),
    listEvents: new ListEvents(store),
    putSchedule: new PutSchedule(uow, clock),
    getSchedule: new GetSchedule(store),
    deleteSchedule: new DeleteSchedule(uow),
    getAvailability: new GetAvailability(store, clock, zones),
    createService: new CreateService(store, clock, zones),
    getService: new GetService(store),
    listServices: new ListServices(store),
    updateService: new UpdateService(store, clock, zones),
    deleteService: new DeleteService(store, clock),
    getServiceAvailability: new GetServiceAvailability(store, clock, zones),
    createHold: new CreateHold(uow, clock, zones),
    getHold: new GetHold(store, clock),
    releaseHold: new ReleaseHold(store),
    createSeries: new CreateSeries(uow, clock, zones, secrets, manageTokens, idempotency),
    getSeries: new GetSeries(store),
    cancelSeries: new CancelSeries(uow, clock, zones),
    createApiKey: new CreateApiKey(store, clock, secrets),
    listApiKeys: new ListApiKeys(store),
    revokeApiKey: new RevokeApiKey(uow, clock, keyRevocations),
    authenticate: new Authenticate(store, clock, secrets, keyRevocations),
    ensureBootstrapKey: new EnsureBootstrapKey(uow, clock, secrets),
    getCalendarFeed: new GetCalendarFeed(store, clock, zones),
  };
}
