import { fail, formatSen, isCalendarDate, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { merchantDay } from '../services/statements.js';
import { answer } from './answer.js';
import { withMerchantUser } from './console-access.js';

/**
 * The merchant console's Statements (docs/consoles.md, "Statements"), the owner's only: a shop's
 * takings and payouts are the owner's business, and a cashier sees its own charges in Orders. One
 * day in the platform's time zone: its totals and settlement report, and its CSV, which is
 * merchantDay's and so byte for byte what downloadBill gives for that day.
 */
function dateOf(body: Record<string, unknown>): string {
  rejectUnknown(body, ['date']);
  const date = required(body, 'date');
  if (!isCalendarDate(date)) fail('date', 'must be a date as yyyy-MM-dd, e.g. "2026-12-05"');
  return date;
}

/** `{date}`: the day's totals (the statement's) and its settlement report (opening, payouts, closing). */
export const statementDay = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => dateOf(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { statement, report } = await merchantDay(ctx.store, user.mchId, parsed.value, ctx.config.timeZone);
  const t = statement.totals;
  return answer(ResultCode.SUCCESS, {
    date: parsed.value, timeZone: ctx.config.timeZone, fromMs: statement.window.fromMs, toMs: statement.window.toMs,
    paymentCount: t.paymentCount, payments: formatSen(t.grossSen), refundCount: t.refundCount, refunds: formatSen(t.refundSen), net: formatSen(t.netSen),
    opening: formatSen(report.openingSen), payoutsRequested: formatSen(report.payoutsRequestedSen),
    payoutsReturned: formatSen(report.payoutsReturnedSen), payouts: formatSen(report.payoutsSen), closing: formatSen(report.closingSen),
  });
});

/**
 * `{date}`: the day's CSV as a download (`text/csv`, attachment). It changes nothing but is
 * recorded in the audit log (statement.download, with the address); the page sends the CSRF token.
 */
export const downloadStatement = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => dateOf(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { csv } = await merchantDay(ctx.store, user.mchId, parsed.value, ctx.config.timeZone);
  await ctx.store.recordAction(
    { actor: { kind: 'merchantUser', userId: user.userId, mchId: user.mchId, name: user.name, role: user.role }, address: req.clientAddress ?? null },
    { action: 'statement.download', mchId: user.mchId, subjectId: null, detail: { date: parsed.value } },
  );
  return { ...answer(ResultCode.SUCCESS), file: { contentType: 'text/csv', fileName: `statement-${user.mchId}-${parsed.value}.csv`, body: csv } };
});
