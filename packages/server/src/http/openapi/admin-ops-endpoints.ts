import { MCH_ID, pattern, ResultCode as R, WIRE_TIME_SCHEMA, type JsonSchema } from '@micropay/protocol';
import { ACTOR_KINDS, AUDIT_ACTIONS } from '../../domain/audit-log.js';
import { PAYMENT_OUTCOMES } from '../../domain/payment-minutes.js';
import { DASHBOARD_RANGES } from '../../services/dashboard.js';
import type { EndpointAnswer, EndpointDoc } from './endpoints.js';

/** What endpoints.ts lends these entries (passed in, so this module reads none of it at load). */
export interface DocParts {
  readonly EMPTY: JsonSchema;
  readonly object: (properties: Record<string, JsonSchema>, optional?: readonly string[]) => JsonSchema;
  readonly PAGE_REFUSALS: EndpointAnswer;
  readonly CSRF_REFUSAL: EndpointAnswer;
  readonly ROLE_REFUSAL: EndpointAnswer;
  readonly EPOCH_MS: JsonSchema;
  readonly NOTIFICATION_ID: JsonSchema;
}

const COUNT: JsonSchema = { type: 'integer', minimum: 0 };
const MS_OR_NULL: JsonSchema = { type: ['number', 'null'], minimum: 0 };
const STRINGS: JsonSchema = { type: 'array', items: { type: 'string' } };

/** The operator console's Dashboard, Ledger audit, Notifications and Audit log (api/page-admin-ops.ts; docs/consoles.md). */
export function adminOpsEndpoints(d: DocParts): Record<string, EndpointDoc> {
  const reads = (summary: string, request: JsonSchema, data: JsonSchema, extra: readonly EndpointAnswer[] = []): EndpointDoc => ({
    tag: 'Operator console API', auth: 'adminConsole', request, summary, description: 'The operator\'s session. docs/consoles.md.',
    answers: [{ codes: [R.SUCCESS], data }, { codes: [R.PARAM_ERROR], data: null }, ...extra, d.PAGE_REFUSALS],
  });
  const changes = (summary: string, request: JsonSchema, data: JsonSchema, extra: readonly EndpointAnswer[] = []): EndpointDoc => ({
    ...reads(summary, request, data, extra), csrf: true,
    description: 'The operator\'s session and the CSRF token; logged in the audit log with the operator and address. docs/consoles.md.',
    answers: [{ codes: [R.SUCCESS], data }, { codes: [R.PARAM_ERROR], data: null }, ...extra, d.PAGE_REFUSALS, d.CSRF_REFUSAL],
  });
  const minute = d.object({
    minuteStartMs: d.EPOCH_MS, requests: COUNT, successRate: { type: ['number', 'null'], minimum: 0, maximum: 1 }, p50Ms: MS_OR_NULL, p99Ms: MS_OR_NULL,
    counts: d.object(Object.fromEntries(PAYMENT_OUTCOMES.map((o) => [o, COUNT]))),
  });
  const mchId = pattern(MCH_ID, 'The merchant id.');
  const check = d.object({ name: { type: 'string' }, violations: STRINGS });
  const actor: JsonSchema = { type: 'object', required: ['kind', 'name'], properties: { kind: { enum: [...ACTOR_KINDS] }, name: { type: 'string' } } };
  return {
    '/api/page/admin/dashboard': reads('Payments per minute, success rate and latency, with today\'s paid count, merchants and wallets, and where the money is',
      d.object({ range: { enum: Object.keys(DASHBOARD_RANGES) } }, ['range']),
      d.object({
        range: { enum: Object.keys(DASHBOARD_RANGES) }, minutes: { type: 'array', items: minute }, paidToday: COUNT, merchants: COUNT, wallets: COUNT,
        money: d.object({
          onPlatform: { type: 'string', description: 'Money on the platform: top-ups less reversals and payouts made (the float).' },
          inWallets: { type: 'string' }, heldInWallets: { type: 'string', description: 'Of it, held for payments awaiting confirmation.' },
          withMerchants: { type: 'string' }, payingOut: { type: 'string', description: 'Payouts requested, not yet confirmed or failed.' },
        }),
        moneyAtMs: { ...d.EPOCH_MS, description: 'When `money` was read from the ledger: one read serves the dashboards of a process for up to 30 s.' },
        timeZone: { type: 'string' },
      })),
    '/api/page/admin/ledger-audit': changes('Run the ledger audit (`micropay audit`): every check with its violations', d.EMPTY,
      d.object({
        ok: { type: 'boolean' }, checks: { type: 'array', items: check },
        actions: { type: 'array', items: d.object({ name: { type: 'string' }, findings: STRINGS }) },
        totals: d.object({ entries: COUNT, postings: COUNT, orders: COUNT }),
      })),
    '/api/page/admin/notifications/health': reads('The notification outbox: depth, dead, oldest pending age, last hour, merchants by dead count', d.EMPTY,
      d.object({
        pending: COUNT, dead: COUNT, oldestPendingAgeMs: MS_OR_NULL, sinceMs: d.EPOCH_MS, deliveredLastHour: COUNT, failedLastHour: COUNT,
        deadByMerchant: { type: 'array', items: d.object({ mchId, dead: COUNT }) },
      })),
    '/api/page/admin/notifications/dead': reads('A merchant\'s dead notifications, oldest first, 20 a page',
      d.object({ mchId, cursor: { type: 'string', description: 'The previous page\'s `next`.' } }, ['cursor']),
      d.object({
        notifications: {
          type: 'array',
          items: d.object({
            notificationId: { type: 'string' }, mchId, eventType: { enum: ['PAID', 'FAILED', 'REFUNDED', 'REFUND_FAILED', 'TEST'] }, subjectId: { type: 'string' },
            merchantOrderId: { type: ['string', 'null'] }, merchantRefundId: { type: ['string', 'null'] },
            url: { type: 'string' }, attempts: COUNT, lastError: { type: ['string', 'null'] }, createdAt: WIRE_TIME_SCHEMA,
          }),
        },
        next: { type: ['string', 'null'] },
      })),
    '/api/page/admin/notifications/retry': changes('Send a dead notification again', d.object({ notificationId: d.NOTIFICATION_ID }),
      d.object({ retried: { type: 'boolean' }, status: { type: 'string' } }), [{ codes: [R.NOTIFICATION_NOT_FOUND], data: null }, d.ROLE_REFUSAL]),
    '/api/page/admin/audit-log': reads('The audit log, newest first, filtered, a page at a time',
      d.object({
        mchId, actorKind: { enum: [...ACTOR_KINDS] }, action: { enum: [...AUDIT_ACTIONS] }, since: { type: 'string', description: 'yyyy-MM-dd' },
        cursor: { type: 'string', description: 'The previous page\'s `next`.' }, limit: { type: ['integer', 'string'] },
      }, ['mchId', 'actorKind', 'action', 'since', 'cursor', 'limit']),
      d.object({
        entries: {
          type: 'array',
          items: d.object({
            logId: { type: 'string' }, at: WIRE_TIME_SCHEMA, actor, address: { type: ['string', 'null'] }, action: { enum: [...AUDIT_ACTIONS] },
            mchId: { type: ['string', 'null'] }, subjectId: { type: ['string', 'null'] }, detail: { type: 'object' },
          }),
        },
        next: { type: ['string', 'null'] },
      })),
  };
}
