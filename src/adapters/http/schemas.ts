import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A positive integer id' });
export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A calendar date, YYYY-MM-DD', examples: ['2027-12-25'] });
export const RequestTime = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:\\d{2})?$',
  description: 'Provider-local wall-clock time, HH:MM or HH:MM:00',
  examples: ['14:30'],
});
const Duration = Type.Integer({ minimum: 5, maximum: 480, description: 'Minutes, 5 to 480' });
const Instant = Type.String({ format: 'date-time', description: 'UTC instant, ISO 8601 with Z' });
const OffsetInstant = Type.String({ description: "ISO 8601 with the provider's UTC offset, e.g. 2027-03-28T09:00:00+02:00" });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Human readable message' }),
    code: Type.String({ description: 'Stable machine code' }),
    details: Type.Optional(Type.Any({ description: 'Extra facts about the error, when there are any' })),
  },
  { title: 'Error', examples: [{ error: 'This time slot is already booked', code: 'SLOT_UNAVAILABLE', details: { conflicting_booking_id: 7 } }] },
);

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

// Providers

export const ProviderBody = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    email: Type.String(),
    timezone: Type.String(),
    default_duration_minutes: Type.Integer(),
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
  },
  { additionalProperties: false, examples: [{ timezone: 'America/New_York' }] },
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

export const ProviderPage = Type.Object({
  data: Type.Array(ProviderBody),
  next_cursor: Nullable(Type.String()),
});

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
    status: Type.Union([Type.Literal('active'), Type.Literal('cancelled')]),
    customer_name: Nullable(Type.String()),
    customer_email: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    version: Type.Integer({ description: 'Rises with every change; sent as the strong ETag' }),
    updated_at: Instant,
    cancelled_at: Nullable(Instant),
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
      },
    ],
  },
);

export const CreateBookingBody = Type.Object(
  {
    provider_id: Id,
    date: DateString,
    time: RequestTime,
    duration_minutes: Type.Optional(Duration),
    customer_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    customer_email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  {
    additionalProperties: false,
    examples: [{ provider_id: 1, date: '2027-12-25', time: '14:30', duration_minutes: 30, customer_name: 'Grace Hopper', customer_email: 'grace@example.com' }],
  },
);
export type CreateBookingBody = Static<typeof CreateBookingBody>;

export const UpdateBookingBody = Type.Object(
  {
    date: Type.Optional(DateString),
    time: Type.Optional(RequestTime),
    duration_minutes: Type.Optional(Duration),
    customer_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    customer_email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  { additionalProperties: false, examples: [{ time: '10:30' }, { notes: null }] },
);
export type UpdateBookingBody = Static<typeof UpdateBookingBody>;

export const BookingListQuery = Type.Object(
  {
    provider_id: Type.Optional(Id),
    from: Type.Optional(DateString),
    to: Type.Optional(DateString),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('cancelled'), Type.Literal('all')], { default: 'active' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type BookingListQuery = Static<typeof BookingListQuery>;

export const BookingPage = Type.Object({
  data: Type.Array(BookingBody),
  next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
});

export const HistoryBody = Type.Object({
  data: Type.Array(
    Type.Object({
      type: Type.String(),
      at: Instant,
      actor: Nullable(Type.Integer({ description: 'API key id that made the change' })),
      changes: Type.Record(Type.String(), Type.Array(Type.Any(), { minItems: 2, maxItems: 2 })),
    }),
  ),
});

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
    type: Type.String(),
    at: Instant,
    booking: BookingBody,
    changes: Type.Record(Type.String(), Type.Array(Type.Any(), { minItems: 2, maxItems: 2 })),
  },
  { title: 'Event' },
);

export const EventPage = Type.Object({
  data: Type.Array(EventBody),
  next_after: Type.Integer({ description: 'The last id returned, or the given after when none' }),
});

// Schedules and availability

const WindowPair = Type.Array(Type.String({ pattern: '^\\d{2}:\\d{2}$' }), { minItems: 2, maxItems: 2, examples: [['09:00', '12:00']] });
const Windows = Type.Array(WindowPair, { maxItems: 48 });

export const ScheduleBody = Type.Object(
  {
    weekly: Type.Record(Type.String(), Windows, { description: 'mon..sun to windows; absent days are closed' }),
    exceptions: Type.Optional(Type.Record(Type.String(), Windows, { description: "A date's own windows replace its weekday's; [] closes it" })),
    buffer_before_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240, default: 0 })),
    buffer_after_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240, default: 0 })),
    min_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525600, default: 0 })),
    max_days_ahead: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 365 })),
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
    weekly: Type.Record(Type.String(), Windows),
    exceptions: Type.Record(Type.String(), Windows),
    buffer_before_minutes: Type.Integer(),
    buffer_after_minutes: Type.Integer(),
    min_notice_minutes: Type.Integer(),
    max_days_ahead: Type.Integer(),
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
    days: Type.Array(Type.Object({ date: Type.String(), slots: Type.Array(Type.String({ description: 'HH:MM' })) })),
  },
  {
    examples: [
      {
        provider_id: 1,
        timezone: 'Europe/Berlin',
        duration_minutes: 30,
        days: [{ date: '2027-12-24', slots: ['09:00', '09:30', '10:00', '11:30'] }, { date: '2027-12-25', slots: [] }],
      },
    ],
  },
);
