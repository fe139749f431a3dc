import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/** The log (pino, JSON lines) names each request by an id, also sent in its X-Request-Id header. */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

describe('the log', () => {
  it('answers every request with an X-Request-Id: the caller\'s when well-formed, else a new one', async () => {
    p = await startTestPlatform();
    const kept = await fetch(`${p.url}/nothing-here`, { headers: { 'X-Request-Id': 'lb-7f3a.1:2' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.1:2');
    for (const bad of ['has space', 'x'.repeat(129), '<script>', '']) {
      const res = await fetch(`${p.url}/api/micropay/queryBill`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': bad }, body: '{}' });
      expect(res.headers.get('x-request-id'), bad).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const a = await fetch(`${p.url}/nothing-here`);
    const b = await fetch(`${p.url}/nothing-here`);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});
