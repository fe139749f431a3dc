/**
 * The command samples of a doc (docs/cli.md), as cli-samples.sqlite.test.ts runs them.
 *
 * A sample is a line `$ micropay …` inside a fenced block and the lines under it, up to the next
 * `$ ` line or the end of the block: what the command prints, stdout and stderr as a terminal
 * shows them (blank lines included; trailing ones are not). `# exit N` at the end of the command
 * line is the exit code it must end with; without it the command must exit 0.
 *
 * Values that differ on every run are recognised by their shape (KINDS below), so a doc writer
 * pastes what one real session printed and writes nothing else:
 * - An id, key, password, code, day or OS user is a *name* for the value this run got. Where an output
 *   shows it first, it matches any value of its shape and the run's value is remembered; from
 *   then on it stands for that value, in the commands (`merchant show 202611003` runs with the
 *   merchant id the run created) and in the outputs, where it must be that value again. A value a
 *   command line shows first (`--mch-id 202006001`, an import) is the doc's own choice: it is used
 *   as written. Two names never stand for one value, so a sample that shows one wallet where the
 *   run has two fails.
 * - A time of day, epoch milliseconds and a signature match any value of their shape, each time.
 * Everything else is compared as written, character for character, line by line: amounts, names,
 * counts, entry and log ids (the samples are one session, replayed in order from an empty store,
 * so these come out the same every run), column padding, JSON key order.
 */

export interface Sample {
  /** 1-based line of the command in the doc, for messages. */
  readonly line: number;
  /** The command as written, after `$ ` and without its `# exit N`. */
  readonly command: string;
  readonly exit: number;
  readonly output: readonly string[];
}

const EXIT = /\s+# exit (\d+)$/;

/** Every sample of the doc, in order. */
export function samples(doc: string): Sample[] {
  const lines = doc.split('\n');
  const found: Sample[] = [];
  let inBlock = false;
  let current: { line: number; command: string; exit: number; output: string[] } | null = null;
  const finish = () => {
    if (current === null) return;
    while (current.output.at(-1) === '') current.output.pop();
    found.push(current);
    current = null;
  };
  lines.forEach((text, i) => {
    if (/^`{3,}/.test(text)) {
      if (inBlock) finish();
      inBlock = !inBlock;
      return;
    }
    if (!inBlock) return;
    if (text.startsWith('$ ')) {
      finish();
      const exit = EXIT.exec(text);
      current = { line: i + 1, command: text.slice(2).replace(EXIT, ''), exit: exit === null ? 0 : Number(exit[1]), output: [] };
    } else if (current !== null) {
      // An exit code belongs on the command's line, where the runner reads it.
      if (EXIT.test(text)) throw new Error(`docs line ${i + 1}: put "# exit N" at the end of the command line, not after its output`);
      current.output.push(text);
    }
  });
  return found;
}

/** The kinds of changing value. `named`: an id the samples carry on (see above); else a shape only. */
const KINDS: readonly { readonly shape: string; readonly named: boolean }[] = [
  { shape: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', named: true }, // notification ids
  { shape: '[456]\\d{21}', named: true }, // the platform's order, refund and payout ids
  { shape: '39\\d{16}', named: true }, // payment codes
  { shape: '1\\d{12}', named: false }, // epoch milliseconds
  { shape: '60\\d{10}', named: true }, // wallet ids
  { shape: '20\\d{7}', named: true }, // merchant ids: the month and a sequence number
  // The day: the session's day is the run's (so a run across midnight in the platform's zone fails).
  { shape: '\\d{4}-\\d\\d-\\d\\d', named: true },
  { shape: '\\d\\d:\\d\\d:\\d\\d', named: false }, // a time of day
  { shape: '[0-9A-F]{64}', named: false }, // a secureHash
  { shape: '(?:wt_)?[A-Za-z0-9]{32}', named: true }, // API keys, wallet app tokens, TOTP secrets
  { shape: '(?<=#link=)[A-Za-z0-9_-]{43}', named: true }, // sign-in link tokens
  { shape: '[A-Za-z0-9+/]{43}=', named: true }, // master keys
  { shape: 'mk-[0-9a-f]{16}', named: true }, // master key ids
  { shape: '[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}', named: true }, // generated passwords
  { shape: 'http://127\\.0\\.0\\.1:\\d+', named: true }, // a platform on this machine
  { shape: '/tmp/[\\w./-]+\\.db', named: true }, // the store's file
  { shape: '(?<=cli:)[a-z_][\\w.-]*', named: true }, // the OS user who ran the CLI, in the audit log
];

/** One alternation over the kinds, a group each, none matching inside a longer word. */
const VALUE = new RegExp(KINDS.map((k) => `(?<![\\w])(${k.shape})(?![\\w])`).join('|'), 'g');

interface Token {
  readonly text: string;
  /** null for literal text. */
  readonly kind: (typeof KINDS)[number] | null;
}

function tokens(line: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const m of line.matchAll(VALUE)) {
    if (m.index > at) out.push({ text: line.slice(at, m.index), kind: null });
    out.push({ text: m[0], kind: KINDS[m.slice(1).findIndex((g) => g !== undefined)]! });
    at = m.index + m[0].length;
  }
  if (at < line.length) out.push({ text: line.slice(at), kind: null });
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The doc's names for this run's values (see the header), filled in as the samples run. */
export class SampleValues {
  readonly #real = new Map<string, string>();
  readonly #named = new Map<string, string>();

  /** Binds a doc value to the run's; refuses a second name for one value, or a second value for one name. */
  bind(docValue: string, real: string): void {
    const had = this.#real.get(docValue);
    if (had !== undefined && had !== real) throw new Error(`the doc's ${docValue} is ${had} in this run, here ${real}`);
    const other = this.#named.get(real);
    if (other !== undefined && other !== docValue) throw new Error(`this run's ${real} is the doc's ${other} already, here ${docValue}`);
    this.#real.set(docValue, real);
    this.#named.set(real, docValue);
  }

  /** The doc's values that a name abbreviated as `prefix…` may stand for. */
  startingWith(prefix: string): string[] {
    return [...this.#real.keys()].filter((v) => v.startsWith(prefix));
  }

  /** A command word as this run must say it: named values replaced; a value shown first here is the doc's own. */
  command(word: string): string {
    return tokens(word)
      .map((t) => {
        if (t.kind?.named !== true) return t.text;
        if (!this.#real.has(t.text)) this.bind(t.text, t.text);
        return this.#real.get(t.text)!;
      })
      .join('');
  }

  /**
   * Matches a printed line against the doc's: binds the names it shows first, and answers the
   * doc's line as this run must print it (the printed line itself when it matched).
   */
  match(docLine: string, printed: string): { matched: boolean; expected: string } {
    const groups: string[] = [];
    const pattern = tokens(docLine)
      .map((t) => {
        if (t.kind === null) return escape(t.text);
        const real = t.kind.named ? this.#real.get(t.text) : undefined;
        if (real !== undefined) return escape(real);
        if (!t.kind.named) return `(?:${t.kind.shape})`;
        const seen = groups.indexOf(t.text);
        if (seen !== -1) return `\\${seen + 1}`;
        groups.push(t.text);
        return `(${t.kind.shape})`;
      })
      .join('');
    const m = new RegExp(`^${pattern}$`).exec(printed);
    if (m === null) return { matched: false, expected: this.render(docLine) };
    groups.forEach((docValue, i) => this.bind(docValue, m[i + 1]!));
    return { matched: true, expected: printed };
  }

  /** The doc's line with the names known so far replaced: what a failure shows as expected. */
  render(docLine: string): string {
    return tokens(docLine)
      .map((t) => (t.kind?.named === true ? (this.#real.get(t.text) ?? t.text) : t.text))
      .join('');
  }
}
