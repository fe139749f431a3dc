import pg from 'pg';

/**
 * The pg pool, with BIGINT and NUMERIC read as JavaScript numbers: every amount is whole sen and
 * far below 2^53, and SUM() of BIGINT comes back as NUMERIC. A value that would not be exact
 * fails loudly rather than being rounded.
 */
function exactNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`database value ${text} is not a safe integer`);
  return n;
}

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return exactNumber;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  readonly statementTimeoutMs: number;
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    // A connection once opened stays open, idle or not: a pool that closed its idle connections
    // after 10 s made the first burst after a quiet spell open them again, one backend and one
    // plan of each statement at a time (a p99 of 52–153 ms against 24–39 ms; docs/benchmarks.md).
    min: options.max,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: 10_000,
    types: types as pg.CustomTypesConfig,
  });
  // A connection that the server closed (a restart, a failover, an operator's
  // pg_terminate_backend) tells an 'error' event; with no listener Node ends the process. While
  // idle, the pool hears it (and drops the connection, to be replaced on demand). While checked
  // out, the pool's listener is off: the connection's own hears it, and the statement or
  // transaction on it fails (500, nothing recorded), and the pool drops it when it is given back.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** PostgreSQL error codes worth retrying the whole transaction for. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRYABLE.has((error as { code?: string }).code ?? '');
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
