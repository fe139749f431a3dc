import { describe, expect, it } from 'vitest';
import { startJob } from '../src/jobs.js';
import { createLogger, ONCE_A_MINUTE_MS } from '../src/log.js';

/**
 * A job failing run after run (a store outage) is logged as one event: at once, then once a minute
 * while it goes on, then its recovery; not once a run, in every process.
 */
describe('a background job that keeps failing', () => {
  it('logs its first failure, then once a minute with the count, then its recovery; a new failure after is told again', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => void lines.push(line));
    let now = 1_000_000;
    let runs = 0;
    let failing = true;
    const job = startJob('sweeper', 2, async () => {
      runs += 1;
      if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }, logger, () => now);
    const runsPast = async (n: number) => {
      const until = runs + n;
      while (runs < until) await new Promise((r) => setTimeout(r, 2));
    };
    const logged = () => {
      logger.flush();
      return lines.splice(0).join('').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    try {
      await runsPast(20);
      const first = logged();
      expect(first.map((l) => [l.level, l.msg, l.job])).toEqual([['error', 'job failed', 'sweeper']]);
      expect(first[0]!.error).toContain('ECONNREFUSED');

      // A minute on: one line, counting the failures kept quiet meanwhile.
      now += ONCE_A_MINUTE_MS;
      await runsPast(20);
      const still = logged();
      expect(still.map((l) => [l.level, l.msg])).toEqual([['error', 'job still failing']]);
      expect(still[0]!.failures).toBeGreaterThanOrEqual(20);
      expect(still[0]!.failingForMs).toBe(ONCE_A_MINUTE_MS);

      now += 5_000;
      failing = false;
      await runsPast(5);
      const recovered = logged();
      expect(recovered.map((l) => [l.level, l.msg, l.failingForMs])).toEqual([['warn', 'job recovered', ONCE_A_MINUTE_MS + 5_000]]);
      expect(recovered[0]!.failures).toBeGreaterThan(still[0]!.failures as number);

      failing = true;
      await runsPast(5);
      expect(logged().map((l) => l.msg)).toEqual(['job failed']);
      // Stopped while failing: the failures not yet told are, in one last line.
      await job.stop();
      const last = logged();
      expect(last.map((l) => [l.level, l.msg])).toEqual([['error', 'job still failing']]);
      expect(last[0]!.failures).toBeGreaterThanOrEqual(4);
    } finally {
      await job.stop();
    }
  });
});
