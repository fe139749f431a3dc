import type { NotificationBacklog } from './store.js';

/**
 * One statement for both stores: the pending count reads the partial index notifications_due,
 * the dead count notifications_dead (migration 6 of each store), so a scrape costs the size of the
 * backlog, not of the table.
 */
export const NOTIFICATION_BACKLOG_SQL = `SELECT
  (SELECT COUNT(*) FROM notifications WHERE status = 'pending') AS pending,
  (SELECT COUNT(*) FROM notifications WHERE status = 'dead') AS dead`;

export function toBacklog(row: { pending: number | string; dead: number | string }): NotificationBacklog {
  return { pending: Number(row.pending), dead: Number(row.dead) };
}
