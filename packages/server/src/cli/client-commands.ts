import {
  MicroPayApiError,
  MicroPayClient,
  MicroPayError,
  RequestNotSentError,
  ResponseSignatureError,
  TransportError,
  type OrderData,
  type RefundData,
} from '@micropay/client';
import { MCH_ID, resultCodeInfo, zonedWireTime } from '@micropay/protocol';
import type { Config } from '../config.js';
import { defineCommand, type CommandGroup, type OptionSpec } from './command-line.js';
import { CommandFailed, KEY_HELP, merchantKey, UsageError, type Output } from './common.js';
import { payAndWait } from './pay-wait.js';

/**
 * The CLI's merchant-API commands (pay, query, close, refund, refund-query) are made with
 * @micropay/client, exactly as a merchant's system makes them: signed, answers verified, error
 * codes typed. `pay --wait` runs the client's whole payment-code flow and prints each step.
 */

const CONNECTION = {
  url: { type: 'string', value: 'URL', help: "the platform's URL (default http://HOST:PORT from the settings, else http://127.0.0.1:8080)" },
  'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant id' },
  key: { type: 'string', value: 'KEY', help: `the merchant's API key: it signs the request and verifies the answer ${KEY_HELP}` },
  'sandbox-fault': { type: 'string', value: 'FAULT', help: 'on a sandbox platform, rehearse an edge: sent as X-MicroPay-Sandbox (docs/api.md)' },
} as const satisfies Record<string, OptionSpec>;

const ORDER = { order: { type: 'string', value: 'ID', required: true, help: "the merchant's order id (mchOrderId)" } } as const satisfies Record<string, OptionSpec>;

type ConnectionOptions = { readonly [K in keyof typeof CONNECTION]?: string | undefined };

/**
 * Where the API commands send their requests without --url: the platform `serve` would start here,
 * from the same HOST and PORT settings (an any-address host means this machine).
 */
export function defaultUrl(config: Config): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

function clientOf(options: ConnectionOptions, config: Config): MicroPayClient {
  const url = options.url ?? defaultUrl(config);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError('--url must be an http:// or https:// URL, like http://127.0.0.1:8080');
  if (!MCH_ID.test(options['mch-id']!)) throw new UsageError('--mch-id must be a merchant id (digits, like 202006001)');
  const fault = options['sandbox-fault'];
  const headers: Record<string, string> = fault === undefined ? {} : { 'X-MicroPay-Sandbox': fault };
  return new MicroPayClient({ baseUrl: url, mchId: options['mch-id']!, apiKey: merchantKey(options.key), timeoutMs: 15_000, headers });
}

/** What one call answered, as the CLI prints it: the envelope, and whether its data verified. */
interface Shown<T> {
  readonly code: number;
  readonly msg: string;
  readonly data: T | null;
  /** true: data verified with the key; false: it did not; null: the answer had no data. */
  readonly signatureValid: boolean | null;
}

/**
 * Runs one client call and turns its result or typed error into the envelope to print.
 * Transport failures (no answer at all) are thrown on: `connectionFailure` words them.
 */
async function shown<T>(call: () => Promise<T>): Promise<Shown<T>> {
  try {
    const data = await call();
    return { code: 0, msg: resultCodeInfo(0)!.msg, data, signatureValid: true };
  } catch (error) {
    if (error instanceof MicroPayApiError) {
      return { code: error.code, msg: error.msg, data: error.data as T | null, signatureValid: error.data === null ? null : true };
    }
    if (error instanceof ResponseSignatureError) {
      const untrusted = (error.untrusted ?? {}) as { code?: unknown; msg?: unknown; data?: unknown };
      return {
        code: typeof untrusted.code === 'number' ? untrusted.code : -1,
        msg: `${typeof untrusted.msg === 'string' ? untrusted.msg : '?'} (${error.failure}: ${error.message})`,
        data: (untrusted.data ?? null) as T | null,
        signatureValid: false,
      };
    }
    throw error;
  }
}

function verdict(s: Shown<unknown>): string {
  return s.signatureValid ? 'response signature verified' : 'WARNING: the response signature does NOT verify';
}

type ApiCommand = 'pay' | 'query' | 'close' | 'refund' | 'refund-query';

/** What to do when a request's outcome is unknown, said for each command. */
const UNKNOWN_OUTCOME: Record<ApiCommand, string> = {
  pay: 'The payment may or may not have been made: query the order (micropay query --order ID) to learn its outcome, and never pay it again under a new order id.',
  query: 'A query changes nothing: it is safe to repeat.',
  close: 'The order may or may not be closed: query it (micropay query --order ID), or repeat the close.',
  refund: 'The refund may or may not have been made: query it (micropay refund-query --refund-id RID), or repeat it with the same --refund-id.',
  'refund-query': 'A query changes nothing: it is safe to repeat.',
};

/**
 * No usable answer (connection failure, timeout, a body that is not an envelope): one line that
 * names the URL tried and says whether the request certainly was not sent or its outcome is
 * unknown. Answers with a code are printed by the commands themselves.
 */
async function reportingClientErrors(command: ApiCommand, options: ConnectionOptions, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TransportError) {
      const where = error.url ?? '?';
      const defaulted = options.url === undefined ? ' (no --url given: this is the default, from the HOST and PORT settings)' : '';
      const action =
        error instanceof RequestNotSentError
          ? 'The request was certainly not sent, so nothing was recorded: check the URL and that the platform is running there, then repeat the command.'
          : UNKNOWN_OUTCOME[command];
      throw new CommandFailed(`no answer from ${where}${defaulted}: ${error.detail}. ${action}`);
    }
    if (error instanceof MicroPayError) throw new CommandFailed(`${error.message}. ${error.action}`);
    throw error;
  }
}

function orderLines(d: OrderData, timeZone: string): string[] {
  return [
    `order ${d.merchantOrderId} (${d.wavpayOrderId}) ${d.tradeStatus}, amount ${d.amount}, merchant ${d.merchantName}`,
    `traded ${zonedWireTime(d.tradeTime, timeZone)}${d.payTime ? `, paid ${zonedWireTime(d.payTime, timeZone)}` : ''}`,
  ];
}

/** What printing an answer needs of the command's context. */
interface Printing {
  readonly out: Output;
  readonly config: Config;
}

/** Prints an order answer: exit 0 only for code 0 with a verified signature. */
function printOrder(ctx: Printing, result: Shown<OrderData>): number {
  const lines = [`code ${result.code}: ${result.msg}`];
  if (result.data) lines.push(...orderLines(result.data, ctx.config.timeZone), verdict(result));
  ctx.out.show(result, lines.join('\n'));
  return result.code === 0 && result.signatureValid !== false ? 0 : 1;
}

const API_DETAILS = [
  'A real signed HTTP call made with @micropay/client: the timestamp is now, the answer must come',
  'within 15 s and is verified (signature, and that it is about this request). Times are shown in',
  'MICROPAY_TIMEZONE with their offset: set it to the platform\'s zone if that differs.',
].join('\n');

const pay = defineCommand({
  name: 'pay',
  summary: 'pay an order with a payment code (micropay)',
  details: [
    API_DETAILS,
    '--wait runs the whole payment-code flow instead of one call: micropay, then queryBill after 5 s and',
    'every 3 s while the outcome is open, closeBill at the deadline; exit 0 only for PAID.',
  ].join('\n'),
  positionals: [],
  options: {
    ...CONNECTION,
    ...ORDER,
    amount: { type: 'string', value: 'AMOUNT', required: true, help: 'the amount, like 1.00' },
    code: { type: 'string', value: 'CODE', required: true, help: "the customer's payment code (payCode)" },
    goods: { type: 'string', value: 'TEXT', help: 'goodsInfo (default "MicroPay CLI payment")' },
    discount: { type: 'string', value: 'AMOUNT', help: 'discount (default "")' },
    point: { type: 'string', value: 'N', help: 'point (default "")' },
    wait: { type: 'boolean', help: 'run the whole flow and print each step' },
    deadline: { type: 'string', value: 'SECONDS', help: 'with --wait: close the order if it is not final by then (default 60)' },
  },
  store: 'none',
  run(ctx) {
    const o = ctx.options;
    return reportingClientErrors('pay', o, async () => {
      const client = clientOf(o, ctx.config);
      if (o.deadline !== undefined && !o.wait) throw new UsageError('--deadline goes with --wait');
      const request = {
        mchOrderId: o.order,
        amount: o.amount,
        payCode: o.code,
        goodsInfo: o.goods ?? 'MicroPay CLI payment',
        ...(o.discount === undefined ? {} : { discount: o.discount }),
        ...(o.point === undefined ? {} : { point: o.point }),
      };
      if (o.wait) return payAndWait(client, request, o.deadline, ctx);
      return printOrder(ctx, await shown(() => client.micropay(request)));
    });
  },
});

function orderCommand(name: 'query' | 'close') {
  return defineCommand({
    name,
    summary: name === 'query' ? "ask for an order's true state (queryBill)" : 'close an unpaid (NEW or PENDING) order (closeBill)',
    details: API_DETAILS,
    positionals: [],
    options: { ...CONNECTION, ...ORDER },
    store: 'none',
    run(ctx) {
      const o = ctx.options;
      return reportingClientErrors(name, o, async () => {
        const client = clientOf(o, ctx.config);
        const result = await shown(() => (name === 'query' ? client.queryBill({ mchOrderId: o.order }) : client.closeBill({ mchOrderId: o.order })));
        return printOrder(ctx, result);
      });
    },
  });
}

const REFUND_ID = { 'refund-id': { type: 'string', value: 'RID', required: true, help: "the merchant's refund id (mchRefundId)" } } as const satisfies Record<string, OptionSpec>;

/** Prints a refund answer: exit 0 only for code 0, status REFUNDED and a verified signature. */
function printRefund(ctx: Printing, result: Shown<RefundData>): number {
  const d = result.data;
  const lines = [`code ${result.code}: ${result.msg}`];
  if (d) {
    const finished = d.refundTime ? `, finished ${zonedWireTime(d.refundTime, ctx.config.timeZone)}` : '';
    lines.push(
      `refund ${d.merchantRefundId} (${d.refundId}) ${d.refundStatus}${d.failReason ? ` (${d.failReason})` : ''}, amount ${d.refundAmount}`,
      `of order ${d.merchantOrderId} (${d.wavpayOrderId})${finished}`,
      verdict(result),
    );
  }
  ctx.out.show(result, lines.join('\n'));
  return result.code === 0 && d?.refundStatus === 'REFUNDED' && result.signatureValid !== false ? 0 : 1;
}

const refund = defineCommand({
  name: 'refund',
  summary: 'refund part or all of a paid order (refund)',
  details: `${API_DETAILS}\nExit 0 only when the refund is REFUNDED.`,
  positionals: [],
  options: {
    ...CONNECTION,
    ...ORDER,
    ...REFUND_ID,
    amount: { type: 'string', value: 'AMOUNT', required: true, help: 'the amount to refund, like 2.50' },
    reason: { type: 'string', value: 'TEXT', help: 'why, for the statement' },
  },
  store: 'none',
  run(ctx) {
    const o = ctx.options;
    return reportingClientErrors('refund', o, async () => {
      const client = clientOf(o, ctx.config);
      const request = { mchOrderId: o.order, mchRefundId: o['refund-id'], refundAmount: o.amount, ...(o.reason === undefined ? {} : { reason: o.reason }) };
      return printRefund(ctx, await shown(() => client.refund(request)));
    });
  },
});

const refundQuery = defineCommand({
  name: 'refund-query',
  summary: "ask for a refund's state (queryRefund)",
  details: `${API_DETAILS}\nExit 0 only when the refund is REFUNDED.`,
  positionals: [],
  options: { ...CONNECTION, ...REFUND_ID },
  store: 'none',
  run(ctx) {
    const o = ctx.options;
    return reportingClientErrors('refund-query', o, async () => {
      const client = clientOf(o, ctx.config);
      return printRefund(ctx, await shown(() => client.queryRefund({ mchRefundId: o['refund-id'] })));
    });
  },
});

export const clientCommands: CommandGroup = {
  title: 'Merchant API (signed HTTP calls to a running platform)',
  commands: [pay, orderCommand('query'), orderCommand('close'), refund, refundQuery],
};
