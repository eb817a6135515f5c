/** Small readers of this repository's Markdown, for the documentation tests. */

export interface Fence {
  /** The info string's first word (`sh`, `json`, ...), empty when none. */
  lang: string;
  body: string;
  /** The last non-empty line before the opening fence. */
  before: string;
  /** 1-based line of the opening fence within the text given to `fences`. */
  line: number;
}

/** The fenced code blocks of a Markdown text, in order. */
export function fences(text: string): Fence[] {
  const lines = text.split('\n');
  const found: Fence[] = [];
  let before = '';
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\S*)\s*$/);
    if (!open) {
      if (lines[i].trim() !== '') before = lines[i];
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`unclosed code block at line ${start + 1}`);
    found.push({ lang: open[1], body: body.join('\n'), before, line: start + 1 });
    before = '';
  }
  return found;
}

/** The text under a `## title` heading, up to the next `## ` heading; `firstLine` is the heading's line (1-based). */
export function section(markdown: string, title: string): { text: string; firstLine: number } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) throw new Error(`no "## ${title}" heading`);
  let end = start + 1;
  let inFence = false;
  for (; end < lines.length; end++) {
    if (/^```/.test(lines[end])) inFence = !inFence;
    if (!inFence && /^## /.test(lines[end])) break;
  }
  return { text: lines.slice(start + 1, end).join('\n'), firstLine: start + 1 };
}

/**
 * Null when `actual` has everything `expected` shows: each field of an expected object with a matching value, each
 * array in full and in order, other values equal. Otherwise where and how they differ.
 */
export function matchesAbridged(expected: unknown, actual: unknown, path = '$'): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const found = matchesAbridged(expected[i], actual[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual)) return `${path}.${key}: missing`;
      const found = matchesAbridged(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
    return null;
  }
  return Object.is(expected, actual) ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = !inFence && line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = heading[1]
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative link targets of a Markdown text (inline links and images) with their `#fragment`, if any; code is skipped. */
export function relativeLinks(markdown: string): { target: string; fragment: string | null; line: number }[] {
  const found: { target: string; fragment: string | null; line: number }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^```/.test(text)) inFence = !inFence;
    if (inFence) return;
    const outsideCode = text.replace(/`[^`]*`/g, '');
    for (const m of outsideCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const hash = target.indexOf('#');
      found.push({
        target: decodeURIComponent(hash < 0 ? target : target.slice(0, hash)),
        fragment: hash < 0 ? null : decodeURIComponent(target.slice(hash + 1)),
        line: i + 1,
      });
    }
  });
  return found;
}
