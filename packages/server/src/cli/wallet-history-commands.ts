import { formatSen } from '@micropay/protocol';
import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import { OPERATOR_HISTORY_PAGE_SIZE } from '../api/page-admin-wallet-access.js';
import { beforeOf, walletHistoryPage } from '../api/wallet-history.js';
import { isBadInput, reverseWalletTopUp } from '../services/operator-actions.js';
import { ENTRY_KIND_WORDS } from '../domain/ledger.js';
import { defineCommand } from './command-line.js';
import { badInput, cliActing, notFound, timeText, UsageError, walletJson } from './common.js';

/** A wallet's movements, and the correction of a top-up made by mistake (docs/operations.md). */

const WALLETID = { name: 'WALLETID', help: 'the wallet id (12 digits, starting 60)' } as const;

export const history = defineCommand({
  name: 'wallet history',
  summary: "list a wallet's movements, newest first, with their journal entry ids",
  details: `${OPERATOR_HISTORY_PAGE_SIZE} a page; a full page ends with the command for the next one. A top-up made by mistake is reversed by its entry id (wallet reverse-topup).`,
  positionals: [WALLETID],
  options: { before: { type: 'string', value: 'KEY', help: 'the page older than this key (the previous page ends with it)' } },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    let before: number | undefined;
    try {
      before = beforeOf({ before: options.before ?? null });
    } catch {
      throw new UsageError('--before must be the key the previous page ended with');
    }
    if ((await store.findWallet(args.WALLETID)) === null) return notFound(`wallet ${args.WALLETID}`);
    const page = await walletHistoryPage(store, args.WALLETID, OPERATOR_HISTORY_PAGE_SIZE, before);
    // The columns line up: the entry ids and the amounts are padded to the widest on the page.
    const idWidth = Math.max(0, ...page.rows.map((t) => String(t.entryId).length));
    const amountWidth = Math.max(0, ...page.rows.map((t) => formatSen(t.amountSen).length));
    const lines = page.rows.map((t) => [
      `entry ${String(t.entryId).padEnd(idWidth)}`, timeText(t.createdAtMs, config), formatSen(t.amountSen).padStart(amountWidth),
      `${ENTRY_KIND_WORDS[t.kind]}${t.status === null ? '' : ` (${t.status}${t.refundedSen ? `, ${formatSen(t.refundedSen)} refunded` : ''})`}`, t.merchantName ?? '', t.orderId ?? '',
    ].join('  ').trimEnd());
    if (page.rows.length === 0) lines.push(before === undefined ? `Wallet ${args.WALLETID} has no movements yet.` : 'No older movements.');
    if (page.older !== null) lines.push(`More: micropay wallet history ${args.WALLETID} --before ${page.older}`);
    // As the wire names them (the wallet API's TOPUP, PAYMENT, …), times as the CLI's JSON writes them.
    const rows = page.rows.map((t) => ({
      entryId: String(t.entryId), type: t.kind.toUpperCase(), amount: formatSen(t.amountSen), status: t.status,
      refundedAmount: t.refundedSen === null ? null : formatSen(t.refundedSen),
      merchantName: t.merchantName, orderId: t.orderId, refundId: t.refundId, atMs: String(t.createdAtMs),
    }));
    out.show({ walletId: args.WALLETID, movements: rows, older: page.older }, lines.join('\n'));
    return 0;
  },
});

export const reverseTopUp = defineCommand({
  name: 'wallet reverse-topup',
  summary: 'take a top-up made by mistake back whole, from the wallet to the platform float',
  details: 'ENTRYID is the top-up\'s, as wallet history lists it. Once per top-up, and only while the wallet has the whole amount available: money spent or held is never taken.',
  positionals: [WALLETID, { name: 'ENTRYID', help: "the top-up's journal entry id" }],
  options: { reason: { type: 'string', value: 'TEXT', required: true, help: `why, for the audit log (1 to ${MAX_REASON_LENGTH} characters)` } },
  store: 'existing',
  async run({ args, options, store, out }) {
    const w = await reverseWalletTopUp(store, args.WALLETID, args.ENTRYID, options.reason, cliActing());
    if (isBadInput(w)) return badInput(w.field === 'entryId' ? { ...w, field: 'ENTRYID' } : w);
    if (w === null) return notFound(`wallet ${args.WALLETID}`);
    out.show(walletJson(w), `Top-up ${args.ENTRYID} of wallet ${w.walletId} reversed; balance ${formatSen(w.balanceSen)}.`);
    return 0;
  },
});
