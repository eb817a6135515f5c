import pino from 'pino';
import { Logger } from '../../application/ports/logger';

let stdout: { write(line: string): unknown } | undefined;

/**
 * The process's one writer of log lines to stdout, shared by the request logger and `jsonLogger`: asynchronous
 * (lines that pile up while a write is under way leave together; what is left is flushed at exit), and one
 * writer, so that lines from both never interleave.
 */
export function sharedStdout(): { write(line: string): unknown } {
  stdout ??= pino.destination({ dest: 1, sync: false });
  return stdout;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** Pino-compatible JSON lines on stdout, for work outside requests when no other logger is given. */
export function jsonLogger(level: string = 'info', write: (line: string) => void = (line) => void sharedStdout().write(line)): Logger {
  const threshold = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const log = (value: number) => (details: Record<string, unknown>, msg: string) => {
    if (value < threshold) return;
    const err = details.err instanceof Error ? { err: { type: details.err.name, message: details.err.message } } : {};
    write(`${JSON.stringify({ level: value, time: Date.now(), ...details, ...err, msg })}\n`);
  };
  return { info: log(LEVELS.info), warn: log(LEVELS.warn), error: log(LEVELS.error) };
}
