import { Type, type Static, type TSchema } from 'typebox';
import { BOOKING_EVENT_TYPES, BookingEventType } from '../../domain/booking';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A string that is one of `values`: `{type: string, enum}` in the document, a union of literals in TypeScript. */
export const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/**
 * `runtime` validates and serializes; the OpenAPI document shows `documented` in its place (a stricter shape whose
 * refusals the domain words itself).
 */
export const documentedAs = <T extends TSchema>(runtime: T, documented: TSchema): T => ({ ...runtime, 'x-documented-as': documented }) as T;

export const EventType = StringEnum(BOOKING_EVENT_TYPES as readonly BookingEventType[], { description: 'What happened to the booking' });

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A positive integer id' });
export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A calendar date, YYYY-MM-DD', examples: ['2027-12-25'] });
export const RequestTime = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:\\d{2})?$',
  description: 'Provider-local wall-clock time, HH:MM or HH:MM:00',
  examples: ['14:30'],
});
const Duration = Type.Integer({ minimum: 5, maximum: 480, description: 'Minutes, 5 to 480' });
const Capacity = Type.Integer({ minimum: 1, maximum: 1000, description: 'Bookings and holds that may overlap at any instant, 1 to 1000 (default 1)' });
const NoticeMinutes = Type.Integer({ minimum: 0, maximum: 525600 });
export const BookingStatus = Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('cancelled'), Type.Literal('declined')]);
const Instant = Type.String({ format: 'date-time', description: 'UTC instant, ISO 8601 with Z' });
const OffsetInstant = Type.String({ description: "ISO 8601 with the provider's UTC offset, e.g. 2027-03-28T09:00:00+02:00" });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** A booking's customer calls with its manage token instead of an API key (`Authorization` decides when both are sent). */
export const ManageTokenQuery = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        maxLength: 256,
        description: 'The booking’s manage_token: the caller is then its customer. A wrong token is 404; an empty one counts as none.',
      }),
    ),
  },
  { additionalProperties: false },
);

// Providers

export const ProviderBody = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    email: Type.String(),
    timezone: Type.String(),
    default_duration_minutes: Type.Integer(),
    capacity: Type.Integer({ description: 'How many bookings and holds may overlap at any instant (1: none)' }),
    created_at: Instant,
    updated_at: Instant,
    calendar_token: Type.Optional(Type.String({ description: 'Opens the calendar feed (?token=); shown to admins only' })),
  },
  {
    title: 'Provider',
    examples: [
      {
        id: 1,
        name: 'Dr. Ada Byron',
        email: 'ada@example.com',
        timezone: 'Europe/Berlin',
        default_duration_minutes: 30,
        capacity: 1,
        created_at: '2027-01-05T10:00:00.000Z',
        updated_at: '2027-01-05T10:00:00.000Z',
      },
    ],
  },
);

export const CreateProviderBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ minLength: 3, maxLength: 254 }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone name; default UTC' })),
    default_duration_minutes: Type.Optional(Duration),
    capacity: Type.Optional(Capacity),
  },
  { additionalProperties: false, examples: [{ name: 'Dr. Ada Byron', email: 'ada@example.com', timezone: 'Europe/Berlin', default_duration_minutes: 30 }] },
);
export type CreateProviderBody = Static<typeof CreateProviderBody>;

export const UpdateProviderBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    default_duration_minutes: Type.Optional(Duration),
    capacity: Type.Optional(Capacity),
  },
  { additionalProperties: false, examples: [{ timezone: 'America/New_York' }, { capacity: 12 }] },
);
export type UpdateProviderBody = Static<typeof UpdateProviderBody>;

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const ProviderPage = Type.Object(
  {
    data: Type.Array(ProviderBody),
    next_cursor: Nullable(Type.String()),
  },
  { title: 'ProviderPage' },
);

// Bookings

export const BookingBody = Type.Object(
  {
    id: Type.Integer(),
    provider_id: Type.Integer(),
    date: Type.String({ description: 'Provider-local date' }),
    time: Type.String({ description: 'Provider-local start, HH:MM:SS' }),
    created_at: Instant,
    duration_minutes: Type.Integer(),
    end_time: Type.String({ description: 'Provider-local end, HH:MM:SS (24:00:00 at midnight)' }),
    timezone: Type.String(),
    starts_at: OffsetInstant,
    ends_at: OffsetInstant,
    status: BookingStatus,
    customer_name: Nullable(Type.String()),
    customer_email: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    version: Type.Integer({ description: 'Rises with every change; sent as the strong ETag' }),
    updated_at: Instant,
    cancelled_at: Nullable(Instant),
    service_id: Nullable(Type.Integer({ description: 'The service it was booked through; null for a booking of one provider' })),
    provider_ids: Type.Array(Type.Integer(), { description: 'The providers it takes, one per pool of its service (pool order); provider_id is the first' }),
    series_id: Nullable(Type.Integer({ description: 'The series it is an occurrence of' })),
  },
  {
    title: 'Booking',
    examples: [
      {
        id: 1,
        provider_id: 1,
        date: '2027-12-25',
        time: '14:30:00',
        created_at: '2027-12-01T09:12:44.120Z',
        duration_minutes: 30,
        end_time: '15:00:00',
        timezone: 'Europe/Berlin',
        starts_at: '2027-12-25T14:30:00+01:00',
        ends_at: '2027-12-25T15:00:00+01:00',
        status: 'active',
        customer_name: 'Grace Hopper',
        customer_email: 'grace@example.com',
        notes: null,
        version: 1,
        updated_at: '2027-12-01T09:12:44.120Z',
        cancelled_at: null,
        service_id: null,
        provider_ids: [1],
        series_id: null,
      },
    ],
  },
);

const CustomerFields = {
  customer_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  customer_email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
};

/** What a booking or a hold takes: a provider, or a service (with pins); the request says which by its fields. */
const TargetFields = {
  provider_id: Type.Optional(Id),
  service_id: Type.Optional(Id),
  provider_ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 5, description: 'Service form: pins providers, each of a different pool' })),
  date: Type.Optional(DateString),
  time: Type.Optional(RequestTime),
  duration_minutes: Type.Optional(Duration),
};

export const CreateBookingBody = Type.Object(
  {
    ...TargetFields,
    hold_id: Type.Optional(Id),
    ...CustomerFields,
  },
  {
    additionalProperties: false,
    description:
      'One of three forms: a provider (`provider_id`, `date`, `time`, `duration_minutes`?), a service (`service_id`, `date`, `time`, `provider_ids`?), or a live hold of the caller (`hold_id`); each with the customer fields.',
    examples: [
      { provider_id: 1, date: '2027-12-25', time: '14:30', duration_minutes: 30, customer_name: 'Grace Hopper', customer_email: 'grace@example.com' },
      { service_id: 1, date: '2027-12-25', time: '14:30', customer_name: 'Grace Hopper' },
      { hold_id: 7, customer_email: 'grace@example.com' },
    ],
  },
);

export const CreatedBookingBody = Type.Object(
  {
    ...BookingBody.properties,
    manage_token: Type.String({ description: 'Lets the customer read, move and cancel this booking (?token=); shown only here and in the customer’s emails' }),
  },
  { title: 'CreatedBooking' },
);

export const CreateHoldBody = Type.Object(
  { ...TargetFields, ttl_seconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 3600, default: 300 })) },
  {
    additionalProperties: false,
    examples: [{ provider_id: 1, date: '2027-12-25', time: '14:30', ttl_seconds: 600 }],
  },
);

export const HoldBody = Type.Object(
  {
    id: Type.Integer(),
    provider_id: Type.Integer(),
    provider_ids: Type.Array(Type.Integer()),
    service_id: Nullable(Type.Integer()),
    date: Type.String(),
    time: Type.String(),
    duration_minutes: Type.Integer(),
    starts_at: OffsetInstant,
    ends_at: OffsetInstant,
    expires_at: Instant,
    created_at: Instant,
  },
  { title: 'Hold' },
);

export const RepeatBody = Type.Object(
  {
    frequency: Type.Union([Type.Literal('daily'), Type.Literal('weekly')]),
    interval: Type.Optional(Type.Integer({ minimum: 1, maximum: 52, default: 1 })),
    count: Type.Optional(Type.Integer({ minimum: 2, maximum: 104 })),
    until: Type.Optional(DateString),
  },
  { additionalProperties: false, description: 'Exactly one of count and until (inclusive); 2 to 104 occurrences' },
);

export const CreateSeriesBody = Type.Object(
  {
    ...TargetFields,
    ...CustomerFields,
    repeat: RepeatBody,
    skip_conflicts: Type.Optional(Type.Boolean({ default: false })),
  },
  {
    additionalProperties: false,
    examples: [{ provider_id: 1, date: '2027-12-06', time: '17:00', duration_minutes: 50, repeat: { frequency: 'weekly', count: 10 }, customer_email: 'grace@example.com' }],
  },
);

export const SkippedBody = Type.Object({ date: Type.String(), code: Type.String() });

export const CreatedSeriesBody = Type.Object(
  { id: Type.Integer(), bookings: Type.Array(CreatedBookingBody), skipped: Type.Array(SkippedBody) },
  { title: 'CreatedSeries' },
);

export const SeriesBody = Type.Object(
  { id: Type.Integer(), repeat: RepeatBody, bookings: Type.Array(BookingBody) },
  { title: 'Series' },
);

const Pools = Type.Array(Type.Array(Id, { minItems: 1, maxItems: 50 }), {
  minItems: 1,
  maxItems: 5,
  description: 'Provider ids, one list per pool: a booking takes one provider of every pool',
});

export const ServiceBody = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    duration_minutes: Type.Integer(),
    timezone: Type.String(),
    slot_interval_minutes: Type.Integer(),
    requires_confirmation: Type.Boolean(),
    min_cancel_notice_minutes: Type.Integer(),
    min_reschedule_notice_minutes: Type.Integer(),
    pools: Type.Array(Type.Array(Type.Integer())),
    created_at: Instant,
    updated_at: Instant,
  },
  {
    title: 'Service',
    examples: [
      {
        id: 1,
        name: 'Haircut',
        duration_minutes: 45,
        timezone: 'Europe/Berlin',
        slot_interval_minutes: 15,
        requires_confirmation: false,
        min_cancel_notice_minutes: 1440,
        min_reschedule_notice_minutes: 1440,
        pools: [[1, 2], [3, 4]],
        created_at: '2027-01-05T10:00:00.000Z',
        updated_at: '2027-01-05T10:00:00.000Z',
      },
    ],
  },
);

export const CreateServiceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    duration_minutes: Duration,
    pools: Pools,
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    slot_interval_minutes: Type.Optional(Duration),
    requires_confirmation: Type.Optional(Type.Boolean()),
    min_cancel_notice_minutes: Type.Optional(NoticeMinutes),
    min_reschedule_notice_minutes: Type.Optional(NoticeMinutes),
  },
  { additionalProperties: false, examples: [{ name: 'Haircut', duration_minutes: 45, pools: [[1, 2], [3, 4]], timezone: 'Europe/Berlin', slot_interval_minutes: 15 }] },
);

export const UpdateServiceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    duration_minutes: Type.Optional(Duration),
    pools: Type.Optional(Pools),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    slot_interval_minutes: Type.Optional(Duration),
    requires_confirmation: Type.Optional(Type.Boolean()),
    min_cancel_notice_minutes: Type.Optional(NoticeMinutes),
    min_reschedule_notice_minutes: Type.Optional(NoticeMinutes),
  },
  { additionalProperties: false, examples: [{ requires_confirmation: true }] },
);

export const ServicePage = Type.Object({ data: Type.Array(ServiceBody), next_cursor: Nullable(Type.String()) }, { title: 'ServicePage' });

export const ServiceAvailabilityQuery = Type.Object({ date: DateString, to: Type.Optional(DateString) }, { additionalProperties: false });

export const ServiceAvailabilityBody = Type.Object(
  {
    service_id: Type.Integer(),
    timezone: Type.String(),
    duration_minutes: Type.Integer(),
    days: Type.Array(Type.Object({ date: Type.String(), slots: Type.Array(Type.String({ description: 'HH:MM' })) })),
  },
  { title: 'ServiceAvailability', examples: [{ service_id: 1, timezone: 'Europe/Berlin', duration_minutes: 45, days: [{ date: '2027-12-24', slots: ['09:00', '09:15'] }] }] },
);
export type CreateBookingBody = Static<typeof CreateBookingBody>;

export const UpdateBookingBody = Type.Object(
  {
    date: Type.Optional(DateString),
    time: Type.Optional(RequestTime),
    duration_minutes: Type.Optional(Duration),
    ...CustomerFields,
  },
  { additionalProperties: false, examples: [{ time: '10:30' }, { notes: null }] },
);
export type UpdateBookingBody = Static<typeof UpdateBookingBody>;

export const BookingListQuery = Type.Object(
  {
    provider_id: Type.Optional(Id),
    service_id: Type.Optional(Id),
    from: Type.Optional(DateString),
    to: Type.Optional(DateString),
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('cancelled'), Type.Literal('declined'), Type.Literal('all')], {
        default: 'active',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type BookingListQuery = Static<typeof BookingListQuery>;

export const BookingPage = Type.Object(
  {
    data: Type.Array(BookingBody),
    next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
  },
  { title: 'BookingPage' },
);

export const HistoryBody = Type.Object(
  {
    data: Type.Array(
      Type.Object({
        type: EventType,
        at: Instant,
        actor: Nullable(
          Type.Union([Type.Integer(), Type.Literal('customer')], {
            description: 'The API key id that made the change, "customer" for the booking’s customer, null for an in-process caller',
          }),
        ),
        changes: Type.Record(Type.String(), Type.Array(Type.Any(), { minItems: 2, maxItems: 2 })),
      }),
    ),
  },
  { title: 'BookingHistory' },
);

export const EventQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type EventQuery = Static<typeof EventQuery>;

export const EventBody = Type.Object(
  {
    id: Type.Integer(),
    type: EventType,
    at: Instant,
    booking: BookingBody,
    changes: Type.Record(Type.String(), Type.Array(Type.Any(), { minItems: 2, maxItems: 2 })),
  },
  { title: 'Event' },
);

export const EventPage = Type.Object(
  {
    data: Type.Array(EventBody),
    next_after: Type.Integer({ description: 'The last id returned, or the given after when none' }),
  },
  { title: 'EventPage' },
);

// Schedules and availability

const WindowPair = Type.Array(Type.String({ pattern: '^\\d{2}:\\d{2}$' }), { minItems: 2, maxItems: 2, examples: [['09:00', '12:00']] });
const Windows = Type.Array(WindowPair, { maxItems: 48 });

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A week of windows by day: mon..sun, absent days closed. */
const Weekly = Type.Object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, Type.Optional(Windows)])) as Record<(typeof WEEKDAYS)[number], ReturnType<typeof Type.Optional<typeof Windows>>>,
  { additionalProperties: false, description: 'mon..sun to windows; absent days are closed' },
);

export const ScheduleBody = Type.Object(
  {
    // Any key passes here: the domain names an unknown day in its refusal.
    weekly: documentedAs(Type.Record(Type.String(), Windows, { description: 'mon..sun to windows; absent days are closed' }), Weekly),
    exceptions: Type.Optional(Type.Record(Type.String(), Windows, { description: "A date's own windows replace its weekday's; [] closes it" })),
    buffer_before_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240, default: 0 })),
    buffer_after_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240, default: 0 })),
    min_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525600, default: 0 })),
    max_days_ahead: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 365 })),
    min_cancel_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525600, default: 0, description: 'Clients and customers cannot cancel later than this before the start' })),
    min_reschedule_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525600, default: 0, description: 'Clients and customers cannot move a booking later than this before its start' })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        weekly: { mon: [['09:00', '12:00'], ['13:00', '17:00']], tue: [['09:00', '17:00']] },
        exceptions: { '2027-12-24': [['09:00', '12:00']], '2027-12-25': [] },
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        min_notice_minutes: 120,
        max_days_ahead: 90,
      },
    ],
  },
);
export type ScheduleBody = Static<typeof ScheduleBody>;

export const ScheduleView = Type.Object(
  {
    weekly: Weekly,
    exceptions: Type.Record(Type.String(), Windows),
    buffer_before_minutes: Type.Integer(),
    buffer_after_minutes: Type.Integer(),
    min_notice_minutes: Type.Integer(),
    max_days_ahead: Type.Integer(),
    min_cancel_notice_minutes: Type.Integer(),
    min_reschedule_notice_minutes: Type.Integer(),
  },
  { title: 'Schedule' },
);

export const ProviderIdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const AvailabilityQuery = Type.Object(
  {
    date: DateString,
    to: Type.Optional(DateString),
    duration_minutes: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type AvailabilityQuery = Static<typeof AvailabilityQuery>;

export const AvailabilityBody = Type.Object(
  {
    provider_id: Type.Integer(),
    timezone: Type.String(),
    duration_minutes: Type.Integer(),
    days: Type.Array(
      Type.Object({
        date: Type.String(),
        slots: Type.Array(Type.String({ description: 'HH:MM' })),
        remaining: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Beside each slot: how many more bookings of the duration it would take' }),
      }),
    ),
  },
  {
    title: 'Availability',
    examples: [
      {
        provider_id: 1,
        timezone: 'Europe/Berlin',
        duration_minutes: 30,
        days: [{ date: '2027-12-24', slots: ['09:00', '09:30', '10:00', '11:30'], remaining: [1, 1, 1, 1] }, { date: '2027-12-25', slots: [], remaining: [] }],
      },
    ],
  },
);
