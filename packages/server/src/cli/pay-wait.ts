import type { MicroPayClient, PayOutcome, PayProgress } from '@micropay/client';
import { zonedWireTime } from '@micropay/protocol';
import type { Config } from '../config.js';
import { UsageError, type Output } from './common.js';

/**
 * `pay --wait`: the client's pay() flow — micropay, then queryBill after 5 s and every 3 s while
 * the outcome is open, closeBill at the deadline — printing each step as it happens.
 * Exit 0 only when the order ends PAID.
 */
export async function payAndWait(
  client: MicroPayClient,
  request: Parameters<MicroPayClient['pay']>[0],
  deadline: string | undefined,
  context: { readonly out: Output; readonly json: boolean; readonly config: Config },
): Promise<number> {
  let deadlineMs: number | undefined;
  if (deadline !== undefined) {
    if (!/^[0-9]{1,5}$/.test(deadline)) throw new UsageError('--deadline must be a whole number of seconds');
    deadlineMs = Number(deadline) * 1000;
  }
  const steps: Record<string, unknown>[] = [];
  // Ctrl-C stops waiting; the order is left as it is and the message says how to follow it up.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const outcome = await client.pay(request, {
      signal: controller.signal,
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      onProgress: (event) => {
        if (context.json) steps.push(stepJson(event));
        else if (event.step !== 'done') process.stdout.write(`${stepText(event)}\n`);
      },
    });
    context.out.show({ ...outcome, steps }, outcomeText(outcome, context.config));
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

/** A step as JSON: its milliseconds as decimal strings, as every `…Ms` field of the CLI's JSON. */
function stepJson(event: PayProgress): Record<string, unknown> {
  const elapsedMs = String(event.elapsedMs);
  if (event.step === 'outcome-unknown') {
    return { ...event, elapsedMs, nextQueryInMs: String(event.nextQueryInMs), error: { name: event.error.name, message: event.error.message } };
  }
  if (event.step === 'done') return { step: event.step, elapsedMs, status: event.outcome.status };
  return { ...event, elapsedMs };
}

function outcomeText(outcome: PayOutcome, config: Config): string {
  switch (outcome.status) {
    case 'PAID': {
      const o = outcome.order;
      const paid = o.payTime === null ? '?' : zonedWireTime(o.payTime, config.timeZone);
      return `PAID: order ${o.merchantOrderId} (${o.wavpayOrderId}), amount ${o.amount}, merchant ${o.merchantName}, paid ${paid}`;
    }
    case 'FAILED':
      return `FAILED (${outcome.reason}): ${outcome.message}`;
    case 'CLOSED':
      return `CLOSED: ${outcome.message}`;
  }
}
