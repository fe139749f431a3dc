import { describeError } from '../log.js';
import type { PaymentThreadState, Store } from '../store/store.js';

/** Each check must answer within this; a load balancer's probe usually waits a few seconds. */
export const READY_TIMEOUT_MS = 2_000;

export type CheckName = 'store' | 'paymentThread' | 'migrations';

export interface Check {
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly detail?: string;
}

/** `GET /health/ready`'s answer body; `errors` (for the log only) holds what went wrong in full. */
export interface Readiness {
  readonly ready: boolean;
  readonly body: {
    readonly status: 'ready' | 'not ready';
    readonly failing: CheckName[];
    readonly checks: Partial<Record<CheckName, Check>>;
  };
  readonly errors: string[];
}

/**
 * Ready means this process can take payments now: the store answers a query, the SQLite payment
 * thread answers and could write (when there is one), and the database's schema is the one this code was written
 * for. A newer schema means a newer MicroPay migrated it during a rolling upgrade: this process
 * should be drained. The answer names the failing checks but no error text (the port may be
 * public); the caller logs `errors`.
 */
export async function readiness(store: Store, timeoutMs: number = READY_TIMEOUT_MS): Promise<Readiness> {
  const [answer, thread] = await Promise.all([
    schemaVersion(store, timeoutMs),
    // A thread that cannot even be started (its script or file gone) is as good as stopped.
    store.paymentThread(timeoutMs).catch(() => 'stopped' as const),
  ]);
  const checks: Partial<Record<CheckName, Check>> = {};
  checks.store = 'version' in answer ? { status: 'ok' } : { status: 'failed', detail: answer.detail };
  if (thread !== 'none') checks.paymentThread = threadCheck(thread, timeoutMs);
  checks.migrations = 'version' in answer
    ? migrationsCheck(answer.version, store.codeSchemaVersion)
    : { status: 'skipped', detail: 'the store did not answer' };
  const failing = (Object.keys(checks) as CheckName[]).filter((name) => checks[name]!.status === 'failed');
  return {
    ready: failing.length === 0,
    body: { status: failing.length === 0 ? 'ready' : 'not ready', failing, checks },
    errors: [
      ...('error' in answer ? [`store: ${answer.error}`] : []),
      // The thread's own words when it gave them; else the check's (busy, stopped), so the log says why too.
      ...(typeof thread === 'object' ? [`paymentThread: ${thread.error}`]
        : checks.paymentThread?.status === 'failed' ? [`paymentThread: ${checks.paymentThread.detail}`] : []),
    ],
  };
}

/** The query that shows the store answers: the schema version, which the migrations check needs. */
async function schemaVersion(store: Store, timeoutMs: number): Promise<{ version: number } | { detail: string; error: string }> {
  try {
    return { version: await within(store.schemaVersion(), timeoutMs) };
  } catch (error) {
    const detail = error instanceof TimeoutError ? `no answer within ${timeoutMs} ms` : 'the query failed (the log has the error)';
    return { detail, error: describeError(error) };
  }
}

function threadCheck(state: Exclude<PaymentThreadState, 'none'>, timeoutMs: number): Check {
  if (state === 'alive') return { status: 'ok' };
  if (typeof state === 'object') return { status: 'failed', detail: CANNOT_WRITE[state.cannotWrite] };
  if (state === 'busy') return { status: 'failed', detail: `no answer within ${timeoutMs} ms: the payment thread waits for the write lock (another process holding it?)` };
  return { status: 'failed', detail: 'stopped: the store is closed, or the thread died and could not be started again' };
}

const CANNOT_WRITE = {
  file: 'a file of the store this process writes (the database, its -wal or -shm) was deleted or replaced: payments are refused; see the log and docs/operations.md#restore',
  write: 'a payment could not be written now (the log has the error)',
} as const;

function migrationsCheck(version: number, known: number): Check {
  if (version === known) return { status: 'ok', detail: `schema version ${version}` };
  if (version > known) {
    return { status: 'failed', detail: `the database is at schema version ${version}, newer than this MicroPay (${known}): replace this process with the new version` };
  }
  return { status: 'failed', detail: `the database is at schema version ${version}, older than this MicroPay (${known}): run micropay migrate` };
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The promise's value, or a TimeoutError after `ms` (the promise itself runs on). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
