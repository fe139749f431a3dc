import { buildPlatformDay, type PlatformDay } from '../domain/platform-day.js';
import { dayWindow } from '../domain/statement.js';
import type { Store } from '../store/store.js';

/** The platform's day for `date` in `timeZone` (domain/platform-day.ts), from one read of the ledger. */
export async function loadPlatformDay(store: Store, date: string, timeZone: string): Promise<PlatformDay> {
  const window = dayWindow(date, timeZone);
  return buildPlatformDay(date, window, await store.platformDayRows(window));
}
