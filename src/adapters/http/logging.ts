import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { FastifyPluginAsync, FastifyServerOptions, LogController } from 'fastify';
import { sharedStdout } from '../system/json-logger';

export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Fields and headers that may carry API keys, webhook secrets or calendar tokens: never written to a log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'key',
  '*.key',
  'api_key',
  '*.api_key',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'calendar_token',
  '*.calendar_token',
  'manage_token',
  '*.manage_token',
  'access_token',
  '*.access_token',
  'password',
  '*.password',
];

/** Query parameter names that may carry a secret, whatever a client calls it (`calendar_token`, `access_token`, `apikey`...). */
const SECRET_PARAM_NAME = /token|secret|key|passw|pwd|auth|sig|session|credential|cookie|jwt|bearer/i;
/** Values shaped like this service's own secrets: API keys (`bk_`), calendar tokens (`cal_`), webhook secrets (`whsec_`), manage tokens (`mt_`). */
const SECRET_VALUE = /(?:^|[^A-Za-z0-9])(?:bk|cal|whsec|mt)_[A-Za-z0-9_-]{6,}/i;
const REDACTED = '[Redacted]';

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The caller's X-Request-Id when it is safe to echo and log (1..128 of [A-Za-z0-9._-]), else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * The URL as logged: the value of every query parameter whose name looks like a secret's, and every path segment or
 * value that looks like one of this service's secrets, is replaced.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const safePath = SECRET_VALUE.test(decoded(path))
    ? path
        .split('/')
        .map((segment) => (SECRET_VALUE.test(decoded(segment)) ? REDACTED : segment))
        .join('/')
    : path;
  if (q < 0) return safePath;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  const safe = new URLSearchParams();
  for (const [name, value] of params) {
    const secretName = SECRET_VALUE.test(name);
    const secretValue = secretName || SECRET_PARAM_NAME.test(name) || SECRET_VALUE.test(value);
    changed ||= secretValue;
    safe.append(secretName ? REDACTED : name, secretValue ? REDACTED : value);
  }
  return changed ? `${safePath}?${safe.toString()}` : `${safePath}${url.slice(q)}`;
}

/**
 * Fastify server options for request ids and request logging: Fastify's own two lines per request are off,
 * `requestLogging` writes one instead.
 */
export function requestIdOptions(): Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader' | 'logController'> {
  return {
    // Fastify would take the header unchecked; genReqId validates it instead.
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
  };
}

export interface LoggerSettings {
  level: string;
  /** Where JSON lines go (tests capture them); stdout by default. */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines through pino-pretty (development only; it is a dev dependency). */
  pretty?: boolean;
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Pino options for the service: JSON lines to stdout, secrets redacted, pretty only when asked and installed. */
export function loggerOptions(settings: LoggerSettings): FastifyServerOptions['logger'] {
  const base = { level: settings.level, redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } };
  if (settings.destination) return { ...base, stream: settings.destination };
  if (settings.pretty && prettyAvailable()) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } };
  }
  return { ...base, stream: sharedStdout() };
}

/** Echoes the request id in X-Request-Id and logs one line per request when it completes. */
const requestLogging: FastifyPluginAsync = async (app) => {
  // Callback hooks: an async one costs a promise and a trip through the microtask queue per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: loggableUrl(request.url),
      status_code: status,
      duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
      remote_address: request.ip,
    };
    if (status >= 500) request.log.error(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });
};

// What fastify-plugin does: the hooks apply to every route of the app, not only inside this plugin.
(requestLogging as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export { requestLogging };
