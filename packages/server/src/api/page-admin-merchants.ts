import { fail, formatSen, MCH_ID, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import type { Merchant } from '../domain/model.js';
import { notifyUrlWarning } from '../notify/destinations.js';
import { merchantPage, merchantRow, type MerchantRow } from '../services/operator-console.js';
import { createOrImportMerchant, isBadInput, rollKey } from '../services/operator-actions.js';
import type { Store } from '../store/store.js';
import { answer } from './answer.js';
import { operatorActing, withOperator } from './console-access.js';
import { badInputAnswer, optionalText, pageOf, refusedInWords } from './operator-acting.js';

/**
 * The operator console's Merchants section (docs/consoles.md): the list, create (the new key in
 * this answer only), import (the old platform's mchId and key, never shown back), disable and
 * enable, roll the key. The rules are services/operator-actions.ts's, as the CLI's; each change is
 * audited with the operator.
 */
export function merchantWire(row: MerchantRow): Record<string, unknown> {
  const { balanceSen, ...rest } = row;
  return { ...rest, balance: formatSen(balanceSen) };
}

async function withBalance(store: Store, m: Merchant): Promise<Record<string, unknown>> {
  return merchantWire(merchantRow(m, (await store.merchantBalances([m.mchId])).get(m.mchId) ?? 0));
}

export function mchIdOf(body: Record<string, unknown>): string {
  const mchId = required(body, 'mchId');
  if (!MCH_ID.test(mchId)) fail('mchId', 'must be 1 to 19 digits, not starting with 0');
  return mchId;
}

export const noSuchMerchant = (mchId: string) => answer(ResultCode.NO_RECORD, null, `no merchant ${mchId}`);

export const adminMerchants = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['cursor', 'limit']);
    return pageOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await merchantPage(ctx.store, parsed.value);
  if ('kind' in page) return answer(ResultCode.PARAM_ERROR, null, page.problem);
  return answer(ResultCode.SUCCESS, { merchants: page.merchants.map(merchantWire), next: page.next });
});

/** `{name, notifyUrl?}`: a new merchant; its key is in this answer only. */
export const adminCreateMerchant = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'notifyUrl']);
    return { name: required(req.body, 'name'), notifyUrl: optionalText(req.body, 'notifyUrl') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return refusedInWords(async () => {
    const created = await createOrImportMerchant(ctx.store, parsed.value, operatorActing(operator, req));
    if (isBadInput(created)) return badInputAnswer(created, created.field === 'notify-url' ? 'notifyUrl' : created.field);
    const warning = notifyUrlWarning(created.merchant.notifyUrl, ctx.config.notifyPrivateNetworks);
    return answer(ResultCode.SUCCESS, { merchant: await withBalance(ctx.store, created.merchant), apiKey: created.apiKey, warning });
  });
});

/** `{name, mchId, key, notifyUrl?}`: a merchant moving from another MicroPay platform keeps its id and key. */
export const adminImportMerchant = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'mchId', 'key', 'notifyUrl']);
    return { name: required(req.body, 'name'), mchId: required(req.body, 'mchId'), key: required(req.body, 'key'), notifyUrl: optionalText(req.body, 'notifyUrl') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return refusedInWords(async () => {
    const imported = await createOrImportMerchant(ctx.store, parsed.value, operatorActing(operator, req));
    if (isBadInput(imported)) return badInputAnswer(imported, ({ 'mch-id': 'mchId', 'notify-url': 'notifyUrl' } as Record<string, string>)[imported.field] ?? imported.field);
    const warning = notifyUrlWarning(imported.merchant.notifyUrl, ctx.config.notifyPrivateNetworks);
    return answer(ResultCode.SUCCESS, { merchant: await withBalance(ctx.store, imported.merchant), warning });
  });
});

/** `{mchId, status: active|disabled}`: a disabled merchant's requests answer 1022. */
export const adminSetMerchantStatus = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'status']);
    const status = required(req.body, 'status');
    if (status !== 'active' && status !== 'disabled') fail('status', 'must be active or disabled');
    return { mchId: mchIdOf(req.body), status: status as Merchant['status'] };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const changed = await ctx.store.setMerchantStatus(parsed.value.mchId, parsed.value.status, operatorActing(operator, req));
  if (changed === null) return noSuchMerchant(parsed.value.mchId);
  return answer(ResultCode.SUCCESS, { merchant: await withBalance(ctx.store, changed) });
});

/** `{mchId, overlapHours?}`: the new key, in this answer only; the old one verifies for the overlap (24 h by default). */
export const adminRollMerchantKey = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'overlapHours']);
    return { mchId: mchIdOf(req.body), overlapHours: optionalText(req.body, 'overlapHours') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const rolled = await rollKey(ctx.store, parsed.value.mchId, parsed.value.overlapHours, operatorActing(operator, req));
  if (isBadInput(rolled)) return badInputAnswer(rolled, 'overlapHours');
  if (rolled === null) return noSuchMerchant(parsed.value.mchId);
  return answer(ResultCode.SUCCESS, { merchant: await withBalance(ctx.store, rolled), apiKey: rolled.apiKey.expose() });
});
