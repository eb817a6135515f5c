import { BookingMail } from '../../application/ports/mailer';
import { BookingView } from '../../application/views';
import { invitationText, isWithdrawn, seriesInvitationText } from '../icalendar/icalendar';

/** A booking notification rendered for sending: plain text, HTML and the iCalendar invitation. */
export interface BookingMailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  invitation: { method: 'REQUEST' | 'CANCEL'; filename: string; content: string };
}

/**
 * A value as one line: line breaks, other control characters and bidirectional overrides become a space, so a
 * name can neither start a line of the message (or of a header) nor reorder what is shown around it.
 */
export function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Free text as quoted lines (`> ...`): however it is broken, none of it can pass for a line of the message. */
export function quotedLines(value: string): string[] {
  return value.split(/\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/).map((line) => `> ${oneLine(line)}`.trimEnd());
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2027-12-25` → `Saturday, 25 December 2027`. */
export function longDate(date: string): string {
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${WEEKDAYS[weekday]}, ${day} ${MONTHS[month - 1]} ${date.slice(0, 4)}`;
}

/** The offset a booking's `starts_at` or `ends_at` carries (each is written in the booking's own zone): `UTC+01:00`. */
function offsetOf(instant: string): string {
  return `UTC${instant.slice(19)}`;
}

/**
 * `14:30 to 15:00 Europe/Berlin (UTC+01:00)`; when the clocks change during the booking, each end with its own
 * offset: `02:30 (UTC+02:00) to 02:30 (UTC+01:00) Europe/Berlin`.
 */
export function timeRange(b: Pick<BookingMail['booking'], 'time' | 'end_time' | 'timezone' | 'starts_at' | 'ends_at'>): string {
  const [start, end] = [b.time.slice(0, 5), b.end_time.slice(0, 5)];
  const [startOffset, endOffset] = [offsetOf(b.starts_at), offsetOf(b.ends_at)];
  return startOffset === endOffset
    ? `${start} to ${end} ${b.timezone} (${startOffset})`
    : `${start} (${startOffset}) to ${end} (${endOffset}) ${b.timezone}`;
}

/** What a message tells its recipient. */
type MailKind = 'created' | 'pending' | 'rescheduled' | 'cancelled' | 'confirmed' | 'declined' | 'dropped' | 'changed' | 'series';

function kindOf(mail: BookingMail): MailKind {
  if (mail.role === 'former_provider') return 'dropped';
  if (mail.occurrences) return 'series';
  switch (mail.type) {
    case 'booking.created':
      return mail.booking.status === 'pending' ? 'pending' : 'created';
    case 'booking.rescheduled':
      return 'rescheduled';
    case 'booking.cancelled':
      return 'cancelled';
    case 'booking.confirmed':
      return 'confirmed';
    case 'booking.declined':
      return 'declined';
    default:
      return 'changed';
  }
}

function subjectOf(kind: MailKind, mail: BookingMail): string {
  const pending = mail.booking.status === 'pending';
  switch (kind) {
    case 'created':
    case 'confirmed':
      return 'Booking confirmed';
    case 'pending':
      return mail.role === 'customer' ? 'Booking request received, awaiting confirmation' : 'Booking request awaiting confirmation';
    case 'rescheduled':
      return 'Booking rescheduled';
    case 'cancelled':
      return 'Booking cancelled';
    case 'declined':
      return 'Booking declined';
    case 'dropped':
      return 'Booking reassigned';
    case 'series':
      return pending ? 'Booking series awaiting confirmation' : 'Booking series confirmed';
    default:
      return 'Booking updated';
  }
}

function headline(kind: MailKind, mail: BookingMail, provider: string, customer: string, count: number): string {
  const forCustomer = mail.role === 'customer';
  switch (kind) {
    case 'created':
      return forCustomer ? `Your booking with ${provider} is confirmed.` : `New booking with ${customer}.`;
    case 'pending':
      return forCustomer
        ? `Your booking request with ${provider} awaits confirmation. You will get another email once it is confirmed or declined.`
        : `New booking request from ${customer}: it awaits confirmation.`;
    case 'rescheduled':
      return forCustomer ? `Your booking with ${provider} was moved.` : `The booking with ${customer} was moved.`;
    case 'cancelled':
      return forCustomer ? `Your booking with ${provider} was cancelled.` : `The booking with ${customer} was cancelled.`;
    case 'confirmed':
      return forCustomer ? `Your booking with ${provider} is confirmed.` : `The booking with ${customer} was confirmed.`;
    case 'declined':
      return forCustomer ? `Your booking request with ${provider} was declined.` : `The booking request from ${customer} was declined.`;
    case 'dropped':
      return `The booking with ${customer} was moved to a time another provider takes: you no longer have it.`;
    case 'series': {
      const pending = mail.booking.status === 'pending';
      if (!forCustomer) return pending ? `New series of ${count} booking requests from ${customer}: they await confirmation.` : `New series of ${count} bookings with ${customer}.`;
      return pending
        ? `Your ${count} booking requests with ${provider} await confirmation. You will get another email for each once it is confirmed or declined.`
        : `Your ${count} bookings with ${provider} are confirmed.`;
    }
    default:
      return forCustomer ? `Your booking with ${provider} was changed.` : `The booking with ${customer} was changed.`;
  }
}

/** What the log shows of a message that was not sent: everything but the HTML and the attachment. */
export interface BookingMailSummary {
  to: string;
  subject: string;
  text: string;
  invitationMethod: 'REQUEST' | 'CANCEL';
}

interface MailParts extends BookingMailSummary {
  greeting: string;
  lead: string;
  rows: [string, string][];
  /** A new series: one line per occurrence, with its manage link for a customer. */
  occurrences: { line: string; url: string | null }[];
  /** The booking's notes, as quoted lines. */
  notes: string[];
  closing: string;
  /** The customer's manage page of the booking (not of a series: each occurrence carries its own). */
  manageUrl: string | null;
}

/**
 * The message in plain words: provider, date, time with zone, duration, customer and booking id. Every value from
 * the booking is put on one line (the notes, quoted, on lines of their own).
 */
function mailParts(mail: BookingMail): MailParts {
  const b = mail.booking;
  const kind = kindOf(mail);
  const named = mail.providers.length > 0 ? mail.providers : [mail.provider];
  const provider = oneLine(named.map((p) => p.name).join(', '));
  const customerName = b.customer_name === null ? '' : oneLine(b.customer_name);
  const customerEmail = b.customer_email === null ? '' : oneLine(b.customer_email);
  const customer = [customerName, customerEmail ? `<${customerEmail}>` : null].filter(Boolean).join(' ') || 'a customer';
  const start = b.time.slice(0, 5);
  const providerLabel = named.length > 1 ? 'Providers' : 'Provider';
  const urls = mail.role === 'customer' ? (mail.manageUrls ?? {}) : {};
  const occurrences = (mail.occurrences ?? []).map((o) => ({
    line: `${longDate(o.date)}, ${timeRange(o)} (booking id ${o.id}${o.status === 'active' || o.status === 'pending' ? '' : `, ${o.status}`})`,
    url: urls[o.id] ?? null,
  }));
  const rows: [string, string][] =
    kind === 'series'
      ? [
          [providerLabel, provider],
          ['Bookings', String(occurrences.length)],
          ['Duration', `${b.duration_minutes} minutes each`],
          ['Customer', customer],
          ['Series id', String(b.series_id)],
        ]
      : [
          [providerLabel, provider],
          ['Date', longDate(b.date)],
          ['Time', timeRange(b)],
          ['Duration', `${b.duration_minutes} minutes`],
          ['Customer', customer],
          ['Booking id', String(b.id)],
        ];
  if (kind === 'pending') rows.push(['Status', 'awaiting confirmation']);
  if (kind === 'rescheduled') {
    const oldDate = (mail.changes.date?.[0] as string | undefined) ?? b.date;
    const oldTime = ((mail.changes.time?.[0] as string | undefined) ?? b.time).slice(0, 5);
    rows.push(['Previously', `${longDate(oldDate)} at ${oldTime}`]);
  }
  const notes = b.notes ? quotedLines(b.notes) : [];
  const withdrawn = kind === 'series' ? (mail.occurrences ?? []).every(isWithdrawn) : isWithdrawn(b);
  const invitationMethod = kind === 'dropped' || withdrawn ? 'CANCEL' : 'REQUEST';
  const closing =
    kind === 'series'
      ? `The attached calendar file (bookings.ics) ${invitationMethod === 'CANCEL' ? 'removes them from' : 'adds them to'} your calendar.`
      : invitationMethod === 'CANCEL'
        ? 'The attached calendar file (booking.ics) removes it from your calendar.'
        : 'The attached calendar file (booking.ics) adds it to your calendar.';
  const greeting = mail.role === 'customer' ? customerName || 'there' : oneLine(mail.provider.name);
  const lead = headline(kind, mail, provider, customer, occurrences.length);
  const manageUrl = kind === 'series' ? null : (urls[b.id] ?? null);
  const noteLines = notes.length > 0 ? ['Notes:', ...notes] : [];
  const occurrenceLines = occurrences.flatMap((o) => [`- ${o.line}`, ...(o.url ? [`  Manage: ${o.url}`] : [])]);
  const manageLines = manageUrl ? ['', `To see, move or cancel your booking: ${manageUrl}`] : [];
  const when = kind === 'series' ? `${occurrences.length} bookings from ${b.date} ${start}` : `${b.date} ${start}`;
  return {
    to: mail.to,
    subject: oneLine(`${subjectOf(kind, mail)}: ${provider}, ${when} (${b.timezone})`),
    text: [
      `Hello ${greeting},`,
      '',
      lead,
      '',
      ...rows.map(([k, v]) => `${k}: ${v}`),
      ...(occurrenceLines.length > 0 ? ['', ...occurrenceLines] : []),
      ...noteLines,
      '',
      closing,
      ...manageLines,
      '',
    ].join('\n'),
    invitationMethod, // as the invitation's METHOD
    greeting,
    lead,
    rows,
    occurrences,
    notes,
    closing,
    manageUrl,
  };
}

/** The message without its HTML and attachment, which cost most of the work of composing it. */
export function summariseBookingMail(mail: BookingMail): BookingMailSummary {
  const { to, subject, text, invitationMethod } = mailParts(mail);
  return { to, subject, text, invitationMethod };
}

function link(url: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
}

/** Renders the whole message: plain text, HTML and the iCalendar invitation. */
export function composeBookingMail(mail: BookingMail, options: { uidDomain?: string } = {}): BookingMailMessage {
  const parts = mailParts(mail);
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>Hello ${escapeHtml(parts.greeting)},</p>`,
    `<p>${escapeHtml(parts.lead)}</p>`,
    '<table cellpadding="4">',
    ...parts.rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(parts.occurrences.length > 0
      ? ['<ul>', ...parts.occurrences.map((o) => `<li>${escapeHtml(o.line)}${o.url ? `<br>Manage: ${link(o.url)}` : ''}</li>`), '</ul>']
      : []),
    ...(parts.notes.length > 0 ? [`<p>Notes:</p><blockquote>${parts.notes.map((line) => escapeHtml(line.replace(/^> ?/, ''))).join('<br>')}</blockquote>`] : []),
    `<p>${escapeHtml(parts.closing)}</p>`,
    ...(parts.manageUrl ? [`<p>To see, move or cancel your booking: ${link(parts.manageUrl)}</p>`] : []),
    '</body></html>',
  ].join('\n');
  const eventOptions = { stampedAt: mail.at, uidDomain: options.uidDomain, cancelled: mail.role === 'former_provider' };
  const invitation = mail.occurrences
    ? seriesInvitationText(mail.occurrences, mail.provider, eventOptions)
    : invitationText(mail.booking, mail.provider, eventOptions);
  return {
    to: parts.to,
    subject: parts.subject,
    text: parts.text,
    html,
    invitation: { method: invitation.method, filename: mail.occurrences ? 'bookings.ics' : 'booking.ics', content: invitation.text },
  };
}
