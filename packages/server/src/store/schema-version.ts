import type { Migration } from './store.js';

/**
 * Refuses a database whose schema is newer than this code's `migrations` know: an older MicroPay
 * must not write to it. `applied` is the versions the database records; `upgrade` false (every
 * command but migrate and serve) refuses an older one too.
 */
export function checkSchemaVersion(applied: Iterable<number>, migrations: readonly Migration[], upgrade = true): void {
  const newest = Math.max(0, ...applied);
  const known = Math.max(...migrations.map((m) => m.version));
  if (newest > known) {
    throw new SchemaVersionError(`the database schema (version ${newest}) is newer than this MicroPay (version ${known}); upgrade MicroPay`);
  }
  // Only `migrate` and `serve` upgrade a store that has a schema: another command may run beside a
  // server of the old version, which an upgrade under it would take out of service (its readiness
  // fails on a newer schema). A new, empty store is still made whole by any command that may make one.
  if (!upgrade && newest > 0 && newest < known) {
    throw new OlderSchemaError(
      `the database schema (version ${newest}) is older than this MicroPay (version ${known}): upgrade it with \`micropay migrate\`, or by starting the new server (docs/operations.md#migrations); no other command upgrades it`,
    );
  }
}

/** What opening a store applied: the schema version it found (0: none) and the migrations it ran. */
export interface SchemaUpgrade {
  readonly from: number;
  readonly applied: readonly number[];
}

/** The store's schema is newer than this code, or older and this command does not upgrade it. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

/** The store's schema is older than this code, and this command does not upgrade it. */
export class OlderSchemaError extends SchemaVersionError {
  override name = 'OlderSchemaError';
}
