import { formatWireTime, isCalendarDate } from '@micropay/protocol';
import type { Config } from '../config.js';
import { ACTOR_KINDS, AUDIT_ACTIONS, type Actor, type ActorKind, type AuditAction, type AuditLogEntry } from '../domain/audit-log.js';
import { dayWindow } from '../domain/statement.js';
import { MAX_AUDIT_LOG_PAGE } from '../store/audit-log-sql.js';
import { auditLogPage } from '../services/audit-log.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { timeText, UsageError } from './common.js';

/**
 * `micropay audit-log`: the audit log (docs/audit-log.md), newest first, a page at a time: who
 * did what, when and from which address. Not `micropay audit`, the ledger's check.
 */
const LIMIT_DEFAULT = 50;

const auditLog = defineCommand({
  name: 'audit-log',
  summary: 'show the audit log: every operator, merchant-user and wallet-holder action, newest first',
  details: [
    'Each line: log id, time, who (cli:USER, operator NAME, a merchant\'s owner or cashier, or a wallet\'s holder), the address',
    'the request came from, the action, the merchant and subject it concerns, and its detail (never a secret).',
    'A full page ends with the command for the next one (--cursor: the last log id shown).',
  ].join('\n'),
  positionals: [],
  options: {
    'mch-id': { type: 'string', value: 'MCHID', help: 'only actions that concern this merchant' },
    action: { type: 'string', value: 'ACTION', help: `only this action, like merchant.rollKey (docs/audit-log.md lists them)` },
    actor: { type: 'string', value: 'KIND', help: `only actions by ${ACTOR_KINDS.join(', ')}` },
    since: { type: 'string', value: 'yyyy-MM-dd', help: 'only actions from this day on (in the platform time zone)' },
    limit: { type: 'string', value: 'N', help: `entries per page (default ${LIMIT_DEFAULT}, at most ${MAX_AUDIT_LOG_PAGE})` },
    cursor: { type: 'string', value: 'LOGID', help: 'the page after this log id (the last one of the previous page)' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const limit = wholeNumber(options.limit, '--limit', LIMIT_DEFAULT);
    if (limit > MAX_AUDIT_LOG_PAGE) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_AUDIT_LOG_PAGE}`);
    const action = options.action as AuditAction | undefined;
    if (action !== undefined && !AUDIT_ACTIONS.includes(action)) throw new UsageError(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
    const actorKind = options.actor as ActorKind | undefined;
    if (actorKind !== undefined && !ACTOR_KINDS.includes(actorKind)) throw new UsageError(`--actor must be one of ${ACTOR_KINDS.join(', ')}`);
    if (options.since !== undefined && !isCalendarDate(options.since)) throw new UsageError('--since must be a date as yyyy-MM-dd');
    const sinceMs = options.since === undefined ? undefined : dayWindow(options.since, config.timeZone).fromMs;
    const beforeLogId = options.cursor === undefined ? undefined : wholeNumber(options.cursor, '--cursor', 0);
    const found = await auditLogPage(store, { mchId: options['mch-id'], actorKind, action, sinceMs, beforeLogId, limit });
    const page = found.entries;
    const next = found.next === null ? null : String(found.next);
    const lines = page.map((e) => entryLine(e, config));
    if (page.length === 0) lines.push('No audit log entries.');
    if (next !== null) lines.push(`More: micropay audit-log --cursor ${next}${sameFilters(options)}`);
    out.show({ entries: page.map((e) => entryJson(e, config)), next }, lines.join('\n'));
    return 0;
  },
});

/** A positive whole number of the command line, or `fallback` when it is not given. */
function wholeNumber(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^[0-9]{1,15}$/.test(text) || n < 1) throw new UsageError(`${what} must be a whole number from 1`);
  return n;
}

function sameFilters(options: Readonly<Record<string, string | boolean | undefined>>): string {
  return ['mch-id', 'action', 'actor', 'since', 'limit']
    .filter((name) => typeof options[name] === 'string')
    .map((name) => ` --${name} ${String(options[name])}`)
    .join('');
}

export function actorText(a: Actor): string {
  switch (a.kind) {
    case 'cli':
      return `cli:${a.name}`;
    case 'operator':
      return a.role === null ? `operator ${a.name}` : `operator ${a.name} (${a.role})`;
    case 'merchantUser':
      return `${a.role} ${a.name} of ${a.mchId}`;
    case 'walletHolder':
      return `holder of ${a.walletId} (${a.name})`;
  }
}

function entryLine(e: AuditLogEntry, config: Config): string {
  const about = [e.mchId === null ? null : `merchant ${e.mchId}`, e.subjectId === null ? null : `subject ${e.subjectId}`].filter((t) => t !== null);
  const detail = Object.entries(e.detail).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return [`${e.logId}`, timeText(e.atMs, config), actorText(e.actor), `from ${e.address ?? 'the CLI'}`, e.action, ...about, detail]
    .filter((t) => t !== '').join('  ');
}

function entryJson(e: AuditLogEntry, config: Config) {
  return {
    logId: String(e.logId),
    at: formatWireTime(e.atMs, config.timeZone),
    atMs: String(e.atMs),
    actor: e.actor,
    address: e.address,
    action: e.action,
    mchId: e.mchId,
    subjectId: e.subjectId,
    detail: e.detail,
  };
}

export const auditLogCommands: CommandGroup = { title: 'Audit log', commands: [auditLog] };
