import { CustomerBooking } from '../../application/use-cases';
import { TimeZones } from '../../domain/time-zones';
import { longDate } from '../mail/booking-mail-message';

/** Where the page's own script and stylesheet are served: same origin, nothing from outside. */
export const MANAGE_ASSETS = '/manage/assets';

/**
 * The page's headers: its script and stylesheet from this server only, nothing framed, no referrer (the address
 * carries the token), nothing cached.
 */
export const MANAGE_PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function page(title: string, body: string, data: Record<string, string> = {}): string {
  const attributes = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${escape(v)}"`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<link rel="icon" href="${MANAGE_ASSETS}/icon.svg" type="image/svg+xml">`,
    `<link rel="stylesheet" href="${MANAGE_ASSETS}/manage.css">`,
    '</head>',
    `<body${attributes}>`,
    '<main>',
    body,
    '</main>',
    `<script src="${MANAGE_ASSETS}/manage.js"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}

const STATUS_TEXT: Record<string, string> = {
  active: 'Booked',
  pending: 'Waiting for confirmation',
  cancelled: 'Cancelled',
  declined: 'Declined',
};

/** The customer's page: the booking in their terms, a button that cancels it, and the times it can move to. */
export function managePage(view: CustomerBooking, zones: TimeZones): string {
  const b = view.booking;
  const start = b.startMinute;
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const offset = zones.formatWithOffset(b.startsAt, b.timezone).slice(19);
  const details = [
    ['With', view.with],
    ['Date', longDate(b.date)],
    ['Time', `${hhmm(start)} to ${hhmm(b.endMinute)}`],
    ['Time zone', `${b.timezone} (UTC${offset})`],
    ['Status', STATUS_TEXT[b.status] ?? b.status],
  ];
  const cancel = view.canCancel
    ? [
        '<section aria-labelledby="cancel-heading">',
        '<h2 id="cancel-heading">Cancel</h2>',
        '<button type="button" id="cancel">Cancel this booking</button>',
        '</section>',
      ]
    : [];
  let move: string[] = [];
  if (view.canMove) {
    move = view.moves.length
      ? [
          '<section aria-labelledby="move-heading">',
          '<h2 id="move-heading">Move to another time</h2>',
          '<form id="move">',
          '<label for="slot">New date and time</label>',
          '<select id="slot" name="slot" required>',
          ...view.moves.map(
            (day) =>
              `<optgroup label="${escape(longDate(day.date))}">${day.times
                .map((t) => `<option value="${escape(`${day.date}T${t}`)}">${escape(`${longDate(day.date)}, ${t}`)}</option>`)
                .join('')}</optgroup>`,
          ),
          '</select>',
          '<button type="submit">Move booking</button>',
          '</form>',
          '</section>',
        ]
      : ['<section aria-labelledby="move-heading">', '<h2 id="move-heading">Move to another time</h2>', '<p>No other time is free in the next two weeks.</p>', '</section>'];
  }
  const closed = !view.canCancel && !view.canMove && (b.status === 'active' || b.status === 'pending') ? ['<p>This booking can no longer be changed here.</p>'] : [];
  return page(
    'Your booking',
    [
      '<h1>Your booking</h1>',
      '<dl>',
      ...details.map(([k, v]) => `<dt>${escape(k)}</dt><dd data-field="${escape(k.toLowerCase().replace(' ', '-'))}">${escape(v)}</dd>`),
      '</dl>',
      '<p id="message" role="status" aria-live="polite"></p>',
      ...closed,
      ...cancel,
      ...move,
    ].join('\n'),
    { booking: String(b.id) },
  );
}

/** The page for any address that opens nothing: the same for a wrong token and a missing booking. */
export function notFoundPage(): string {
  return page('Not found', '<h1>Not found</h1>\n<p>This link does not open a booking. It may be mistyped, or no longer valid.</p>');
}

/** The page's script: cancel and move through the API, with the page's own token, then show the booking again. */
export const MANAGE_SCRIPT = `'use strict';
(function () {
  var id = document.body.getAttribute('data-booking');
  if (!id) return;
  var token = new URLSearchParams(window.location.search).get('token') || '';
  var message = document.getElementById('message');
  var api = '/api/v1/bookings/' + encodeURIComponent(id) + '?token=' + encodeURIComponent(token);
  function busy(on) {
    var buttons = document.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
  }
  function send(method, body, done) {
    busy(true);
    message.textContent = 'Working...';
    var init = { method: method, headers: {} };
    if (body) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    fetch(api, init)
      .then(function (res) {
        if (res.ok) {
          message.textContent = done;
          // The answer is read to its end before the page reloads, so nothing is left in flight.
          return res.text().then(function () {
            window.location.reload();
          });
        }
        return res.json().then(function (err) {
          message.textContent = (err && err.error) || 'That did not work. Please try again.';
          busy(false);
        });
      })
      .catch(function () {
        message.textContent = 'The service could not be reached. Please try again.';
        busy(false);
      });
  }
  var cancel = document.getElementById('cancel');
  if (cancel) {
    cancel.addEventListener('click', function () {
      if (window.confirm('Cancel this booking?')) send('DELETE', null, 'Cancelled.');
    });
  }
  var move = document.getElementById('move');
  if (move) {
    move.addEventListener('submit', function (event) {
      event.preventDefault();
      var value = document.getElementById('slot').value;
      if (!value) return;
      send('PATCH', { date: value.slice(0, 10), time: value.slice(11, 16) }, 'Moved.');
    });
  }
})();
`;

/** The page's icon (browsers ask for one): a calendar sheet. */
export const MANAGE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1.5" y="2.5" width="13" height="12" rx="1.5" fill="#fff" stroke="#1d4ed8"/><path d="M1.5 6h13" stroke="#1d4ed8"/></svg>';

/** The page's stylesheet: readable on a phone and on a desktop, and nothing more. */
export const MANAGE_STYLES = `body { font-family: system-ui, sans-serif; margin: 0; padding: 1rem; line-height: 1.5; color: #1a1a1a; background: #fff; }
main { max-width: 36rem; margin: 0 auto; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
select, button { font: inherit; padding: 0.5rem 0.75rem; max-width: 100%; }
select { width: 100%; margin: 0.5rem 0; }
button { cursor: pointer; }
button:focus, select:focus { outline: 3px solid #1d4ed8; outline-offset: 2px; }
#message:empty { display: none; }
#message { padding: 0.5rem; background: #eef2ff; }
`;
