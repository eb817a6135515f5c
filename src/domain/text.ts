/** What stored text may hold: one plain email address, a single-line name, multi-line notes. */
import { ValidationError } from './errors';

// Letters and digits of any script, and RFC 5322's other atext characters; no quotes, commas, colons, semicolons,
// angle brackets, spaces or control characters, so a mailer can never read the value as a list, a group or a name.
const LOCAL_CHARS = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
const PLAIN_ADDRESS = new RegExp(`^(${LOCAL_CHARS}(?:\\.${LOCAL_CHARS})*)@(${LABEL}(?:\\.${LABEL})+)$`, 'u');

/** Exactly one plain address, `local@domain.tld`: no display name, list, group, quoting or address literal. */
export function isPlainEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const match = PLAIN_ADDRESS.exec(value);
  return match !== null && match[1].length <= 64;
}

/** The trimmed address, or a ValidationError naming `field`. */
export function assertPlainEmailAddress(value: string, field: string): string {
  const address = value.trim();
  if (!isPlainEmailAddress(address)) {
    throw new ValidationError(`${field} must be one plain email address (name@example.com)`, { field });
  }
  return address;
}

// C0 and C1 control characters (CR and LF included) and the Unicode line and paragraph separators.
const CONTROL_OR_LINE_BREAK = /[\p{Cc}\u2028\u2029]/u;
// The same, except tab, line feed and carriage return.
const CONTROL_BUT_TEXT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;

/** A single-line text (a name): no control characters or line breaks. */
export function assertSingleLine(value: string, field: string): string {
  if (CONTROL_OR_LINE_BREAK.test(value)) {
    throw new ValidationError(`${field} must not contain control characters or line breaks`, { field });
  }
  return value;
}

/** A multi-line text (notes): tabs and line breaks, but no other control characters. */
export function assertPlainText(value: string, field: string): string {
  if (CONTROL_BUT_TEXT_LAYOUT.test(value)) {
    throw new ValidationError(`${field} must not contain control characters other than tabs and line breaks`, { field });
  }
  return value;
}
