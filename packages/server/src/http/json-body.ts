/**
 * A request's body as every API reads it (docs/api.md, "Transport"): one JSON object, each of its
 * own names once (the API's fields; a nested object's are its own business), and every string in
 * it well-formed Unicode. Anything else is 9105 with the reason.
 *
 * - A name given twice would be read by JSON.parse as its last value, while a proxy, a firewall
 *   or a log that reads the first sees another request than the one signed and charged.
 * - A lone surrogate (`"\ud800"`) cannot be stored as UTF-8: it would come back as U+FFFD, so a
 *   later answer would not show what was signed, and two different requests would look alike.
 */
export type ParsedBody = { ok: true; body: Record<string, unknown> } | { ok: false; msg: string };

const NOT_AN_OBJECT = 'the body must be one JSON object';

export function parseBody(raw: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, msg: NOT_AN_OBJECT };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, msg: NOT_AN_OBJECT };
  const body = value as Record<string, unknown>;
  if (Object.keys(body).length !== topLevelNameCount(raw)) return { ok: false, msg: `${NOT_AN_OBJECT}, each name in it once` };
  // Only a \uD800–\uDFFF escape can make one: UTF-8 decoding never does. The whole body is looked at only then.
  if (SURROGATE_ESCAPE.test(raw) && hasLoneSurrogate(body)) {
    return { ok: false, msg: 'a string in the body is not well-formed Unicode (a lone surrogate escape such as \\ud800)' };
  }
  return { ok: true, body };
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether a name or string anywhere in the parsed body holds a lone surrogate. A walk with its own
 * stack: JSON.parse takes bodies nested thousands deep, which a recursion here would not.
 */
function hasLoneSurrogate(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(name)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * How many names the outermost object of `raw` (JSON.parse has accepted it) gives: at its depth,
 * a string right after `{` or `,` is a name. Nested objects and arrays are skipped. Strings are
 * jumped over with indexOf (native), so the loop sees only the few characters between them.
 */
function topLevelNameCount(raw: string): number {
  let depth = 0;
  let names = 0;
  let nameNext = false;
  let i = 0;
  for (;;) {
    const quote = raw.indexOf('"', i);
    const end = quote < 0 ? raw.length : quote;
    for (; i < end; i++) {
      const c = raw.charCodeAt(i);
      if (c === OPEN_BRACE || c === OPEN_BRACKET) nameNext = ++depth === 1;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
      else if (c === COMMA && depth === 1) nameNext = true;
    }
    if (quote < 0) return names;
    if (depth === 1 && nameNext) names++;
    nameNext = false;
    i = stringEnd(raw, quote + 1) + 1;
  }
}

/** Where the string that starts at `from` closes: the next quote not escaped by an odd run of backslashes. */
function stringEnd(raw: string, from: number): number {
  for (let q = raw.indexOf('"', from); ; q = raw.indexOf('"', q + 1)) {
    let slashes = 0;
    while (raw.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
  }
}

const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
