import { fail, parse, rejectUnknown, ResultCode, text } from '@micropay/protocol';
import { pageLimitOf, PAGE_LIMIT_PROBLEM } from '../domain/console-pages.js';
import { NOTIFICATION_ID } from '../domain/notification.js';
import { answer } from './answer.js';
import type { Answer } from './context.js';

/**
 * A console list's paging fields as the page sends them: `cursor` (a page's `next`, opaque) and
 * `limit` (a whole number). The list's own rule (pageLimitOf, its cursor parser) judges the values.
 */
export interface PageRequest {
  readonly cursor: string | undefined;
  readonly limit: number | undefined;
}

export function pageRequestOf(body: Record<string, unknown>): PageRequest {
  const cursor = text(body, 'cursor') ?? undefined;
  const limitText = text(body, 'limit');
  if (limitText !== null && !/^[0-9]{1,4}$/.test(limitText)) fail('limit', PAGE_LIMIT_PROBLEM.replace(/^limit /, ''));
  return { cursor, limit: limitText === null ? undefined : Number(limitText) };
}

/**
 * The page asked of a list that takes `{cursor?, limit?}` and nothing else, its limit checked
 * (pageLimitOf), or the answer refusing the request. The list judges its own cursor.
 */
export function checkedPageOf(body: Record<string, unknown>): { ok: true; cursor: string | undefined; limit: number } | { ok: false; answer: Answer } {
  const parsed = parse(() => {
    rejectUnknown(body, ['cursor', 'limit']);
    return pageRequestOf(body);
  });
  if (!parsed.ok) return { ok: false, answer: answer(parsed.code, null, parsed.msg) };
  const limit = pageLimitOf(parsed.value.limit);
  if (limit === null) return { ok: false, answer: answer(ResultCode.PARAM_ERROR, null, PAGE_LIMIT_PROBLEM) };
  return { ok: true, cursor: parsed.value.cursor, limit };
}

/**
 * `{notificationId}`, the body of the consoles' calls on one notification (inside protocol's
 * `parse`): any other text is refused by name before a store sees it.
 */
export function notificationIdIn(body: Record<string, unknown>): string {
  rejectUnknown(body, ['notificationId']);
  const id = text(body, 'notificationId') ?? '';
  if (!NOTIFICATION_ID.test(id)) fail('notificationId', 'must be a notification id as the list shows it');
  return id;
}
