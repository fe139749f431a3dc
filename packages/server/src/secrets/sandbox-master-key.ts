import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MasterKey } from './master-key.js';
import { MasterKeyError } from './merchant-key-vault.js';

/**
 * Sandbox mode's master key when MICROPAY_MASTER_KEY is not set: generated once and kept in a file
 * beside the SQLite file (`micropay.db.master-key`, mode 0600). Convenient for development only: a
 * copy of the directory then holds both the ciphertexts and their key, which is why production
 * refuses to start without MICROPAY_MASTER_KEY and never reads this file.
 */
export function sandboxMasterKeyPath(database: string): string {
  return `${database}.master-key`;
}

/** The key in the file beside the SQLite file, or null when there is none. */
export function readSandboxMasterKey(database: string): MasterKey | null {
  const path = sandboxMasterKeyPath(database);
  if (database === ':memory:' || !existsSync(path)) return null;
  const key = MasterKey.parse(readFileSync(path, 'utf8'));
  if (key === null) throw new MasterKeyError(`${path} does not hold a master key (32 bytes in base64 or hex)`);
  return key;
}

/** The sandbox key: the one in the file, or a new one written there (readable by its owner only). */
export function sandboxMasterKey(database: string): { key: MasterKey; created: boolean } {
  const found = readSandboxMasterKey(database);
  if (found !== null) return { key: found, created: false };
  const text = MasterKey.generate();
  mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
  // Written whole under a name of its own, then linked into place: a process that starts at the
  // same moment never reads a half-written file, and a link never replaces a key another process
  // put there first (its ciphertexts would be lost); that process's key is then the one used.
  const path = sandboxMasterKeyPath(database);
  const temporary = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temporary, `${text}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readSandboxMasterKey(database)!, created: false };
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return { key: MasterKey.parse(text)!, created: true };
}
