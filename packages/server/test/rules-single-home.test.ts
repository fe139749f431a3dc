import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, PAID_ORDER_STATUSES } from '@micropay/protocol';
import { isPaidOrder } from '../src/domain/order-state.js';
import { sqlList } from '../src/store/sql-list.js';

/**
 * Business rules that have exactly one home (issue 12): each is decided in one place and used
 * from there by the client, the domain and both stores, instead of being spelled out in each.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Every TypeScript source file of the three packages, relative to the repository root. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(relative(ROOT, path));
    }
  };
  for (const pkg of ['protocol', 'server', 'client']) walk(join(ROOT, 'packages', pkg, 'src'));
  return files;
}

function filesMatching(pattern: RegExp): string[] {
  return sourceFiles().filter((f) => pattern.test(readFileSync(join(ROOT, f), 'utf8')));
}

describe('the statuses that count as paid', () => {
  it('are one exported constant: no other source spells the list out (migrations are history)', () => {
    const spelled = /'PAID',\s*'REFUND_IN_PROCESS',\s*'REFUNDED',\s*'REFUND_FAILED'/;
    const outside = filesMatching(spelled).filter((f) => !f.endsWith('migrations.ts'));
    expect(outside).toEqual(['packages/protocol/src/messages.ts']);
  });

  it('are what the domain calls a paid order', () => {
    for (const status of ORDER_STATUSES) expect(isPaidOrder(status)).toBe(PAID_ORDER_STATUSES.includes(status));
    expect(PAID_ORDER_STATUSES).toEqual(['PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED']);
  });

  it('are written into SQL as an IN list of known literals only', () => {
    expect(sqlList(PAID_ORDER_STATUSES)).toBe("('PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')");
    expect(() => sqlList(["PAID') OR ('1'='1"])).toThrow(/known literals/);
    expect(() => sqlList([])).toThrow(/at least one value/);
  });
});

describe('store code', () => {
  it('is shared through neutral modules under store/, never one store importing the other', () => {
    const imports = (from: string, to: string) =>
      sourceFiles().filter((f) => f.startsWith(`packages/server/src/store/${from}/`)
        && new RegExp(`from '[./]*(store/)?${to}/`).test(readFileSync(join(ROOT, f), 'utf8')));
    expect(imports('postgres', 'sqlite')).toEqual([]);
    expect(imports('sqlite', 'postgres')).toEqual([]);
  });
});
