import {
  MicroPayApiError,
  MicroPayClient,
  MicroPayError,
  ResponseSignatureError,
  type OrderData,
  type PayOutcome,
  type PayProgress,
  type RefundData,
} from '@micropay/client';
import { resultCodeInfo } from '@micropay/protocol';
import { CommandFailed, need, UsageError, type Output } from './common.js';

/**
 * The CLI's merchant-API commands (pay, query, close, refund, refund-query) are made with
 * @micropay/client, exactly as a merchant's system makes them: signed, answers verified, error
 * codes typed. `pay --wait` runs the client's whole payment-code flow and prints each step.
 */
export interface ClientFlags {
  url?: string | undefined;
  key?: string | undefined;
  'mch-id'?: string | undefined;
  order?: string | undefined;
  amount?: string | undefined;
  code?: string | undefined;
  goods?: string | undefined;
  discount?: string | undefined;
  point?: string | undefined;
  'refund-id'?: string | undefined;
  reason?: string | undefined;
  wait?: boolean | undefined;
  deadline?: string | undefined;
  'sandbox-fault'?: string | undefined;
  json?: boolean | undefined;
}

function clientOf(flags: ClientFlags): MicroPayClient {
  const mchId = need(flags['mch-id'], '--mch-id');
  const apiKey = need(flags.key, '--key');
  try {
    // --sandbox-fault rehearses an edge on a sandbox platform (docs/api.md); production ignores it.
    const fault = flags['sandbox-fault'];
    const headers: Record<string, string> = fault === undefined ? {} : { 'X-MicroPay-Sandbox': fault };
    return new MicroPayClient({ baseUrl: flags.url ?? 'http://127.0.0.1:8080', mchId, apiKey, timeoutMs: 15_000, headers });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
 * Transport failures (no answer at all) are thrown on: main() prints them as one line.
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

/**
 * No usable answer (connection failure, timeout, abort, outcome unknown): one line on stderr
 * with what to do, exit 1. Answers with a code are printed by the commands themselves.
 */
async function reportingClientErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof MicroPayError)) throw error;
    throw new CommandFailed(`${error.message}. ${error.action}`);
  }
}

/** `pay`, `query` and `close`: one call each, printed as the answer's code and the order. */
export function orderCommand(command: 'pay' | 'query' | 'close', flags: ClientFlags, out: Output): Promise<number> {
  return reportingClientErrors(() => orderCall(command, flags, out));
}

/** `refund` and `refund-query`. */
export function refundCommand(command: 'refund' | 'refund-query', flags: ClientFlags, out: Output): Promise<number> {
  return reportingClientErrors(() => refundCall(command, flags, out));
}

async function orderCall(command: 'pay' | 'query' | 'close', flags: ClientFlags, out: Output): Promise<number> {
  const client = clientOf(flags);
  const mchOrderId = need(flags.order, '--order');
  if (command === 'pay' && flags.wait) return payAndWait(client, mchOrderId, flags, out);
  const result = await shown<OrderData>(() =>
    command === 'pay'
      ? client.micropay(payRequest(mchOrderId, flags))
      : command === 'query'
        ? client.queryBill({ mchOrderId })
        : client.closeBill({ mchOrderId }),
  );
  const d = result.data;
  const lines = [`code ${result.code}: ${result.msg}`];
  if (d) {
    lines.push(
      `order ${d.merchantOrderId} (${d.wavpayOrderId}) ${d.tradeStatus}, amount ${d.amount}, merchant ${d.merchantName}`,
      `traded ${d.tradeTime}${d.payTime ? `, paid ${d.payTime}` : ''}`,
      verdict(result),
    );
  }
  out.show(result, lines.join('\n'));
  return result.code === 0 && result.signatureValid !== false ? 0 : 1;
}

async function refundCall(command: 'refund' | 'refund-query', flags: ClientFlags, out: Output): Promise<number> {
  const client = clientOf(flags);
  const mchRefundId = need(flags['refund-id'], '--refund-id');
  const result = await shown<RefundData>(() =>
    command === 'refund'
      ? client.refund({
          mchOrderId: need(flags.order, '--order'),
          mchRefundId,
          refundAmount: need(flags.amount, '--amount'),
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
        })
      : client.queryRefund({ mchRefundId }),
  );
  const d = result.data;
  const lines = [`code ${result.code}: ${result.msg}`];
  if (d) {
    lines.push(
      `refund ${d.merchantRefundId} (${d.refundId}) ${d.refundStatus}${d.failReason ? ` (${d.failReason})` : ''}, amount ${d.refundAmount}`,
      `of order ${d.merchantOrderId} (${d.wavpayOrderId})${d.refundTime ? `, finished ${d.refundTime}` : ''}`,
      verdict(result),
    );
  }
  out.show(result, lines.join('\n'));
  return result.code === 0 && d?.refundStatus === 'REFUNDED' && result.signatureValid !== false ? 0 : 1;
}

function payRequest(mchOrderId: string, flags: ClientFlags) {
  return {
    mchOrderId,
    amount: need(flags.amount, '--amount'),
    payCode: need(flags.code, '--code'),
    goodsInfo: flags.goods ?? 'MicroPay CLI payment',
    ...(flags.discount === undefined ? {} : { discount: flags.discount }),
    ...(flags.point === undefined ? {} : { point: flags.point }),
  };
}

/**
 * `pay --wait`: the client's pay() flow — micropay, then queryBill after 5 s and every 3 s while
 * the outcome is open, closeBill at the deadline — printing each step as it happens.
 * Exit 0 only when the order ends PAID.
 */
async function payAndWait(client: MicroPayClient, mchOrderId: string, flags: ClientFlags, out: Output): Promise<number> {
  let deadlineMs: number | undefined;
  if (flags.deadline !== undefined) {
    if (!/^[0-9]{1,5}$/.test(flags.deadline)) throw new UsageError('--deadline must be a whole number of seconds');
    deadlineMs = Number(flags.deadline) * 1000;
  }
  const steps: Record<string, unknown>[] = [];
  // Ctrl-C stops waiting; the order is left as it is and the message says how to follow it up.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const outcome = await client.pay(payRequest(mchOrderId, flags), {
      signal: controller.signal,
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      onProgress: (event) => {
        if (flags.json) steps.push(stepJson(event));
        else if (event.step !== 'done') process.stdout.write(`${stepText(event)}\n`);
      },
    });
    out.show({ ...outcome, steps }, outcomeText(outcome));
    return outcome.status === 'PAID' ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function stepText(event: PayProgress): string {
  const at = `[${seconds(event.elapsedMs).padStart(6)}]`;
  switch (event.step) {
    case 'sending':
      return `${at} micropay: sending order ${event.mchOrderId}${event.attempt > 1 ? ` again (attempt ${event.attempt}, same order id)` : ''}`;
    case 'waiting-for-customer':
      return `${at} waiting for the customer to confirm ${event.order.amount} on their phone (order ${event.order.wavpayOrderId} is PENDING)`;
    case 'outcome-unknown':
      return `${at} outcome unknown (${event.error.message}); querying in ${seconds(event.nextQueryInMs)}`;
    case 'querying':
      return `${at} queryBill #${event.attempt}`;
    case 'not-recorded':
      return `${at} queryBill: no record, the payment never reached the platform`;
    case 'closing':
      return `${at} closeBill: ${event.why === 'deadline' ? 'the deadline passed' : 'the platform could not make the payment'}, closing the order`;
    case 'done':
      return `${at} done: ${event.outcome.status}`;
  }
}

function stepJson(event: PayProgress): Record<string, unknown> {
  if (event.step === 'outcome-unknown') return { ...event, error: { name: event.error.name, message: event.error.message } };
  if (event.step === 'done') return { step: event.step, elapsedMs: event.elapsedMs, status: event.outcome.status };
  return { ...event };
}

function outcomeText(outcome: PayOutcome): string {
  switch (outcome.status) {
    case 'PAID': {
      const o = outcome.order;
      return `PAID: order ${o.merchantOrderId} (${o.wavpayOrderId}), amount ${o.amount}, merchant ${o.merchantName}, paid ${o.payTime ?? '?'}`;
    }
    case 'FAILED':
      return `FAILED (${outcome.reason}): ${outcome.message}`;
    case 'CLOSED':
      return `CLOSED: ${outcome.message}`;
  }
}
