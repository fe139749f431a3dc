import { resealOfflineKey } from '../secrets/offline-code-key.js';
import { MerchantKeyVault } from '../secrets/merchant-key-vault.js';
import { OFFLINE_KEY_SETTING } from '../store/offline-device-sql.js';
import { MasterKey } from '../secrets/master-key.js';
import { backupSqlite } from '../store/sqlite/backup.js';
import { isPostgresUrl, storeExists } from '../store-open.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { cliActing, CommandFailed, timeText } from './common.js';

/** Keeping the store safe: the master key, its rotation, and backups (docs/operations.md). */

const generate = defineCommand({
  name: 'master-key generate',
  summary: 'print a new random master key (32 bytes, base64) for MICROPAY_MASTER_KEY',
  details: 'Only the key is printed (with --json, also its id), so it can go straight into a secret store.',
  positionals: [],
  options: {},
  store: 'none',
  async run({ out }) {
    const text = MasterKey.generate();
    out.show({ masterKey: text, masterKeyId: MasterKey.parse(text)!.id }, text);
    return 0;
  },
});

const rotate = defineCommand({
  name: 'rotate-master-key',
  summary: 'encrypt every merchant key and operator TOTP secret again under a new master key, in one transaction',
  details: [
    'MICROPAY_OLD_MASTER_KEY is the key in use, MICROPAY_MASTER_KEY the new one. Safe while servers run',
    'only after the runbook\'s first two steps on every server; else stop them first (docs/operations.md#rotating-the-master-key).',
  ].join('\n'),
  positionals: [],
  options: {},
  store: 'existing',
  async run({ store, config, out }) {
    if (config.masterKey === null || config.oldMasterKey === null) {
      throw new CommandFailed('set MICROPAY_OLD_MASTER_KEY to the master key in use and MICROPAY_MASTER_KEY to the new one');
    }
    // The offline-code key's setting too (docs/offline-codes.md); servers keep the key they opened.
    // First: the keys' reseal after it then leaves no copy of its former bytes (on SQLite it
    // rewrites the file and empties the WAL).
    const offlineKey = resealOfflineKey(new MerchantKeyVault(config.masterKey, [config.oldMasterKey]), await store.getSetting(OFFLINE_KEY_SETTING));
    if (offlineKey !== null) await store.setSetting(OFFLINE_KEY_SETTING, offlineKey);
    const resealed = await store.resealMerchantKeys('all', cliActing());
    const left = (await store.masterKeyIdsInUse()).filter((id) => id !== config.masterKey!.id);
    if (left.length > 0) throw new CommandFailed(`secrets are still under master key ${left.join(', ')}`);
    const from = config.oldMasterKey.id;
    const to = config.masterKey.id;
    const { merchants, operators } = resealed;
    // Run again after it finished (or on a store with no secret yet): nothing was under the old key.
    if (merchants === 0 && operators === 0 && offlineKey === null) {
      out.show({ resealed: 0, operators: 0, from, to }, `Nothing was under master key ${from}: every secret is under ${to} already. Restart the servers with MICROPAY_MASTER_KEY alone, then destroy the old key.`);
      return 0;
    }
    out.show(
      { resealed: merchants, operators, from, to },
      [
        `Re-encrypted the keys of ${merchants} merchant${merchants === 1 ? '' : 's'} and the TOTP secrets of ${operators} operator${operators === 1 ? '' : 's'}: ` +
          `every secret is now under master key ${to} (was ${from}).`,
        'Restart the servers with MICROPAY_MASTER_KEY alone (unset MICROPAY_OLD_MASTER_KEY), then destroy the old key.',
      ].join('\n'),
    );
    return 0;
  },
});

const backup = defineCommand({
  name: 'backup',
  summary: 'copy a SQLite store to a new file, consistently, while the server serves',
  details: [
    'Uses SQLite\'s online backup API. The master key is not in the copy: keep it apart (docs/operations.md#backups).',
    'For PostgreSQL use pg_dump or continuous archiving (docs/operations.md#backups).',
  ].join('\n'),
  positionals: [],
  options: { to: { type: 'string', value: 'FILE', required: true, help: 'the new file to write (it must not exist)' } },
  store: 'own',
  async run({ options, config, out }) {
    if (isPostgresUrl(config.database)) {
      throw new CommandFailed('backup copies a SQLite store; for PostgreSQL use pg_dump, or continuous archiving for point-in-time recovery (docs/operations.md#backups)');
    }
    if (config.database === ':memory:' || !(await storeExists(config.database))) throw new CommandFailed(`no store at ${config.database}: check --db or DATABASE_URL`);
    const done = await backupSqlite(config.database, options.to, Date.now);
    const mib = (done.bytes / 1024 / 1024).toFixed(1);
    out.show(
      { file: done.file, pages: done.pages, bytes: done.bytes, schemaVersion: done.schemaVersion, startedAtMs: String(done.startedAtMs) },
      `Backed up ${config.database} to ${done.file}: ${mib} MiB, schema version ${done.schemaVersion}, as of ${timeText(done.startedAtMs, config)}.`,
    );
    return 0;
  },
});

export const secretsCommands: CommandGroup = { title: 'Secrets and backups', commands: [generate, rotate, backup] };
