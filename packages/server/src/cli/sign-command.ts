import { readFile } from 'node:fs/promises';
import { breaksSeparatorRule, SEPARATOR_RULE, sign, SIGNATURE_FIELD, type SignableParams } from '@micropay/protocol';
import { parseBody } from '../http/json-body.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { CommandFailed, KEY_HELP, merchantKey, UsageError } from './common.js';

/**
 * `micropay sign`: the secureHash of a JSON body for a key, computed by the protocol's own
 * signing, for people who write requests by hand (curl) or check a signature they were given.
 */

/** A request body is small; this bounds what is read from a file or stdin. */
const MAX_BODY_BYTES = 1024 * 1024;

const signCommand = defineCommand({
  name: 'sign',
  summary: 'print the secureHash of a JSON body (for requests with curl)',
  details: [
    'The body is --body, else the file --file, else stdin. Its own secureHash, if any, is ignored.',
    'Values are signed as the API signs them (docs/api.md): null values are left out, "" is kept.',
    'A number is signed in JavaScript\'s String(number) form, which is how the platform reads it: 1e2 is',
    'signed as 100 and 1.50 as 1.5. A number too large to carry exactly (a whole number over 2^53, or',
    'one beyond JavaScript\'s range, like 1e400) is refused. Send such values, and any whose digits matter, as strings.',
  ].join('\n'),
  positionals: [],
  options: {
    key: { type: 'string', value: 'KEY', help: `the merchant's API key ${KEY_HELP}` },
    body: { type: 'string', value: 'JSON', help: 'the body, a JSON object' },
    file: { type: 'string', value: 'FILE', help: 'read the body from this file' },
  },
  store: 'none',
  async run({ options, out }) {
    const key = merchantKey(options.key);
    if (options.body !== undefined && options.file !== undefined) throw new UsageError('give the body with --body or --file, not both');
    const text = options.body ?? (options.file !== undefined ? await fromFile(options.file) : await fromStdin());
    const body = signableBody(text);
    const secureHash = sign(body, key);
    out.show({ secureHash }, secureHash);
    return 0;
  },
});

async function fromFile(path: string): Promise<string> {
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_BODY_BYTES) throw new UsageError(`--file: ${path} is larger than ${MAX_BODY_BYTES} bytes`);
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new CommandFailed(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function fromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('give the body with --body JSON, --file FILE or on stdin');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new UsageError(`the body on stdin is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as the signature sees it: a flat JSON object, without its secureHash. */
function signableBody(text: string): SignableParams {
  if (text.trim() === '') throw new UsageError('the body is empty');
  // The platform's own reading of a body (9105 for anything else): what it would refuse is not signed.
  const parsed = parseBody(text);
  if (!parsed.ok) throw new UsageError(parsed.msg);
  const body: Record<string, string | number | boolean | null> = {};
  for (const [name, value] of Object.entries(parsed.body)) {
    if (name === SIGNATURE_FIELD) continue;
    if (typeof value === 'object' && value !== null) throw new UsageError(`field ${name}: objects and arrays cannot be signed`);
    if (breaksSeparatorRule(value)) throw new UsageError(`field ${name} ${SEPARATOR_RULE}; every endpoint refuses it (1021)`);
    // JSON.parse reads 1e400 as Infinity: signing "Infinity" would sign what nobody wrote.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new UsageError(`field ${name}: the number is beyond JavaScript's range (it reads as ${value}); send it as a string`);
    }
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new UsageError(`field ${name}: a number this large loses digits in JSON; send it as a string`);
    }
    body[name] = value as string | number | boolean | null;
  }
  return body;
}

export const signCommands: CommandGroup = { title: 'Signing', commands: [signCommand] };
