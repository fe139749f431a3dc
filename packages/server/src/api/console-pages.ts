import { fail, text } from '@micropay/protocol';
import { PAGE_LIMIT_PROBLEM } from '../domain/console-pages.js';

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
