import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The files of a SQLite store hold password hashes, bank accounts and the audit log, and so do its
 * backups: each is made readable by its owner alone (folder 0700, file 0600). SQLite gives a
 * store's `-wal` and `-shm` files the store's own mode. A file there already keeps its mode.
 */

/**
 * Opens `path` as a new file, 0600, for writing: never one that exists, nor through a link left in
 * its place (EEXIST). Its folder must exist (ENOENT).
 */
export function openNewOwnerOnly(path: string): number {
  return openSync(path, 'wx', 0o600);
}

/** Makes `path` empty and 0600 (its folder 0700 if new); false when a file was there already. */
export function createOwnerOnly(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openNewOwnerOnly(path));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
