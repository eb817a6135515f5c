import { BookingMail } from '../../application/ports/mailer';
import { invitationText } from '../icalendar/icalendar';

/** A booking notification rendered for sending: plain text, HTML and the iCalendar invitation. */
export interface BookingMailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  invitation: { method: 'REQUEST' | 'CANCEL'; filename: string; content: string };
}

const SUBJECTS = {
  'booking.created': 'Booking confirmed',
  'booking.rescheduled': 'Booking rescheduled',
  'booking.cancelled': 'Booking cancelled',
  'booking.updated': 'Booking updated',
  'booking.confirmed': 'Booking confirmed',
  'booking.declined': 'Booking declined',
} as const;

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

function headline(mail: BookingMail, provider: string, customer: string): string {
  const forProvider = mail.role === 'provider';
  switch (mail.type) {
    case 'booking.created':
      return forProvider ? `New booking with ${customer}.` : `Your booking with ${provider} is confirmed.`;
    case 'booking.rescheduled':
      return forProvider ? `The booking with ${customer} was moved.` : `Your booking with ${provider} was moved.`;
    case 'booking.cancelled':
      return forProvider ? `The booking with ${customer} was cancelled.` : `Your booking with ${provider} was cancelled.`;
    default:
      return forProvider ? `The booking with ${customer} was changed.` : `Your booking with ${provider} was changed.`;
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
  /** The booking's notes, as quoted lines. */
  notes: string[];
  closing: string;
}

/**
 * The message in plain words: provider, date, time with zone, duration, customer and booking id. Every value from
 * the booking is put on one line (the notes, quoted, on lines of their own).
 */
function mailParts(mail: BookingMail): MailParts {
  const b = mail.booking;
  const provider = oneLine(mail.provider.name);
  const customerName = b.customer_name === null ? '' : oneLine(b.customer_name);
  const customerEmail = b.customer_email === null ? '' : oneLine(b.customer_email);
  const customer = [customerName, customerEmail ? `<${customerEmail}>` : null].filter(Boolean).join(' ') || 'a customer';
  const start = b.time.slice(0, 5);
  const rows: [string, string][] = [
    ['Provider', provider],
    ['Date', longDate(b.date)],
    ['Time', timeRange(b)],
    ['Duration', `${b.duration_minutes} minutes`],
    ['Customer', customer],
    ['Booking id', String(b.id)],
  ];
  if (mail.type === 'booking.rescheduled') {
    const oldDate = (mail.changes.date?.[0] as string | undefined) ?? b.date;
    const oldTime = ((mail.changes.time?.[0] as string | undefined) ?? b.time).slice(0, 5);
    rows.push(['Previously', `${longDate(oldDate)} at ${oldTime}`]);
  }
  const notes = b.notes ? quotedLines(b.notes) : [];
  const closing = mail.type === 'booking.cancelled'
    ? 'The attached calendar file (booking.ics) removes it from your calendar.'
    : 'The attached calendar file (booking.ics) adds it to your calendar.';
  const greeting = mail.role === 'provider' ? provider : customerName || 'there';
  const lead = headline(mail, provider, customer);
  const noteLines = notes.length > 0 ? ['Notes:', ...notes] : [];
  return {
    to: mail.to,
    subject: oneLine(`${SUBJECTS[mail.type]}: ${provider}, ${b.date} ${start} (${b.timezone})`),
    text: [`Hello ${greeting},`, '', lead, '', ...rows.map(([k, v]) => `${k}: ${v}`), ...noteLines, '', closing, ''].join('\n'),
    invitationMethod: b.status === 'cancelled' ? 'CANCEL' : 'REQUEST', // as the invitation's METHOD
    greeting,
    lead,
    rows,
    notes,
    closing,
  };
}

/** The message without its HTML and attachment, which cost most of the work of composing it. */
export function summariseBookingMail(mail: BookingMail): BookingMailSummary {
  const { to, subject, text, invitationMethod } = mailParts(mail);
  return { to, subject, text, invitationMethod };
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
    ...(parts.notes.length > 0 ? [`<p>Notes:</p><blockquote>${parts.notes.map((line) => escapeHtml(line.replace(/^> ?/, ''))).join('<br>')}</blockquote>`] : []),
    `<p>${escapeHtml(parts.closing)}</p>`,
    '</body></html>',
  ].join('\n');
  const invitation = invitationText(mail.booking, mail.provider, { stampedAt: mail.at, uidDomain: options.uidDomain });
  return {
    to: parts.to,
    subject: parts.subject,
    text: parts.text,
    html,
    invitation: { method: invitation.method, filename: 'booking.ics', content: invitation.text },
  };
}
