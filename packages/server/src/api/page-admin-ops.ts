import { fail, formatWireTime, isCalendarDate, MCH_ID, parse, rejectUnknown, ResultCode, text } from '@micropay/protocol';
import { ACTOR_KINDS, AUDIT_ACTIONS, type ActorKind, type AuditAction, type AuditLogEntry } from '../domain/audit-log.js';
import { merchantReferenceOf, type Notification } from '../domain/notification.js';
import { notificationIdIn } from './console-pages.js';
import { dayWindow } from '../domain/statement.js';
import { MAX_AUDIT_LOG_PAGE } from '../store/audit-log-sql.js';
import { auditLogPage } from '../services/audit-log.js';
import { dashboard, DASHBOARD_RANGES, type DashboardRange } from '../services/dashboard.js';
import { platformMoneyWire } from './platform-money-wire.js';
import { runLedgerAudit } from '../services/ledger-audit.js';
import { deadLetterCursorText, notificationHealth, parseDeadLetterCursor } from '../services/notifications.js';
import { answer } from './answer.js';
import { operatorActing, withOperator } from './console-access.js';

/**
 * The operator console's watching sections (docs/consoles.md): the dashboard, the ledger audit,
 * the notifications' health with a merchant's dead letters and their retry, and the audit log.
 * Each is behind the operator's session; the two that act (audit run, retry) need the CSRF token
 * and are logged with the operator and the request's address.
 */
const DEAD_PAGE = 20;
const AUDIT_LOG_PAGE = 50;

/** The dashboard: the range's minutes and the headline counts. `range`: 60m (default) or 24h. */
export const adminDashboard = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['range']);
    const range = text(req.body, 'range') ?? '60m';
    if (!Object.hasOwn(DASHBOARD_RANGES, range)) fail('range', 'must be 60m or 24h');
    return range as DashboardRange;
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const d = await dashboard(ctx.store, ctx.clock.nowMs(), parsed.value, ctx.config.timeZone);
  return answer(ResultCode.SUCCESS, { ...d, money: platformMoneyWire(d.money), timeZone: ctx.config.timeZone });
});

/** Runs every check of `micropay audit` (services/ledger-audit.ts) and answers each with its result. */
export const adminLedgerAudit = withOperator('any role', async (ctx, req, operator) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const report = await runLedgerAudit(ctx.store, operatorActing(operator, req));
  return answer(ResultCode.SUCCESS, report);
});

export const adminNotificationHealth = withOperator('reads', async (ctx, req) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, await notificationHealth(ctx.store, ctx.clock.nowMs()));
});

/** A dead notification as the console lists it: what and where, never its payload. */
function deadLetter(n: Notification, timeZone: string) {
  return {
    notificationId: n.notificationId, mchId: n.mchId, eventType: n.eventType, subjectId: n.subjectId, ...merchantReferenceOf(n), url: n.url,
    attempts: n.attempts, lastError: n.lastError, createdAt: formatWireTime(n.createdAtMs, timeZone),
  };
}

/** One merchant's dead notifications, oldest first, a page at a time (`cursor`: the page's `next`). */
export const adminDeadNotifications = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'cursor']);
    const mchId = text(req.body, 'mchId') ?? '';
    if (!MCH_ID.test(mchId)) fail('mchId', 'must be 1 to 19 digits, not starting with 0');
    const cursorText = text(req.body, 'cursor');
    const cursor = cursorText === null ? null : parseDeadLetterCursor(cursorText);
    if (cursorText !== null && cursor === null) fail('cursor', "must be the previous page's next");
    return { mchId, cursor };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const found = await ctx.store.listDeadNotifications(parsed.value.mchId, parsed.value.cursor, DEAD_PAGE + 1);
  const page = found.slice(0, DEAD_PAGE);
  const next = found.length > DEAD_PAGE ? deadLetterCursorText(page[page.length - 1]!) : null;
  return answer(ResultCode.SUCCESS, { notifications: page.map((n) => deadLetter(n, ctx.config.timeZone)), next });
});

/** Sends a dead notification again (as `micropay notifications retry`), logged as the operator's. */
export const adminRetryNotification = withOperator('notifications', async (ctx, req, operator) => {
  const parsed = parse(() => notificationIdIn(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const result = await ctx.store.retryNotification(parsed.value, undefined, operatorActing(operator, req));
  if (result.kind === 'not_found') return answer(ResultCode.NOTIFICATION_NOT_FOUND);
  return answer(ResultCode.SUCCESS, { retried: result.kind === 'retried', status: result.notification.status });
});

/** The audit log, newest first (services/audit-log.ts, as `micropay audit-log` reads it). */
export const adminAuditLog = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'actorKind', 'action', 'since', 'cursor', 'limit']);
    const mchId = text(req.body, 'mchId') ?? undefined;
    if (mchId !== undefined && !MCH_ID.test(mchId)) fail('mchId', 'must be 1 to 19 digits, not starting with 0');
    const actorKind = (text(req.body, 'actorKind') ?? undefined) as ActorKind | undefined;
    if (actorKind !== undefined && !ACTOR_KINDS.includes(actorKind)) fail('actorKind', `must be one of ${ACTOR_KINDS.join(', ')}`);
    const action = (text(req.body, 'action') ?? undefined) as AuditAction | undefined;
    if (action !== undefined && !AUDIT_ACTIONS.includes(action)) fail('action', 'must be one of the actions docs/audit-log.md lists');
    const since = text(req.body, 'since');
    if (since !== null && !isCalendarDate(since)) fail('since', 'must be a date as yyyy-MM-dd');
    const cursor = text(req.body, 'cursor');
    if (cursor !== null && !/^[1-9][0-9]{0,14}$/.test(cursor)) fail('cursor', "must be the previous page's next");
    const limitText = text(req.body, 'limit');
    const limit = limitText === null ? AUDIT_LOG_PAGE : Number(limitText);
    if (!/^[0-9]{1,4}$/.test(limitText ?? '1') || limit < 1 || limit > MAX_AUDIT_LOG_PAGE) fail('limit', `must be a whole number from 1 to ${MAX_AUDIT_LOG_PAGE}`);
    return {
      mchId, actorKind, action, limit,
      sinceMs: since === null ? undefined : dayWindow(since, ctx.config.timeZone).fromMs,
      beforeLogId: cursor === null ? undefined : Number(cursor),
    };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await auditLogPage(ctx.store, parsed.value);
  return answer(ResultCode.SUCCESS, {
    entries: page.entries.map((e) => auditLogWire(e, ctx.config.timeZone)),
    next: page.next === null ? null : String(page.next),
  });
});

function auditLogWire(e: AuditLogEntry, timeZone: string) {
  return {
    logId: String(e.logId), at: formatWireTime(e.atMs, timeZone), actor: e.actor, address: e.address,
    action: e.action, mchId: e.mchId, subjectId: e.subjectId, detail: e.detail,
  };
}
