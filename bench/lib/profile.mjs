/**
 * Summarises a V8 .cpuprofile (written by `node --cpu-prof`): where the server's CPU went, by
 * function (self time) and by area, so the next optimisation is chosen from data.
 */
import { readFileSync } from 'node:fs';

/** Areas of a JavaScript frame, by its function name and source (the first that matches). */
export const AREAS = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['native / V8 internals', (f) => f.functionName === '(program)'],
  ['micropay server', (f) => f.url.includes('/packages/server/')],
  ['micropay protocol', (f) => f.url.includes('/packages/protocol/')],
  ['the bench (the ceiling server)', (f) => f.url.includes('/bench/')],
  ['better-sqlite3', (f) => f.url.includes('better-sqlite3')],
  ['pg driver', (f) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//.test(f.url)],
  ['node:http / net / streams', (f) => /^node:(_http|http|net|stream|internal\/streams|internal\/http|_stream)/.test(f.url) || f.url.startsWith('node:internal/stream')],
  ['node: other built-ins', (f) => f.url.startsWith('node:')],
  ['built-in (JSON, crypto, regexp …)', (f) => f.url === ''],
];

export function areaOf(f) {
  return AREAS.find(([, test]) => test(f))?.[0] ?? 'dependencies';
}

function where(f) {
  if (f.url === '') return '';
  const short = f.url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/');
  return `${short}:${f.lineNumber + 1}`;
}

/** Returns { totalMs, areas: [{ area, ms, pct }], top: [{ fn, where, selfMs, pct }], inclusive: [...] }. */
export function summariseProfile(path, { top = 25 } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  for (const us of selfUs.values()) totalUs += us;
  const busyUs = totalUs - [...selfUs].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((s, [, us]) => s + us, 0);

  const functions = new Map();
  const areas = new Map();
  for (const [id, us] of selfUs) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${where(f)}`;
    const entry = functions.get(key) ?? { fn: f.functionName || '(anonymous)', where: where(f), selfUs: 0 };
    entry.selfUs += us;
    functions.set(key, entry);
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }

  // Inclusive time of the micropay functions (each counted once per stack, so recursion is not doubled).
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (!f.url.includes('/packages/')) continue;
      const key = `${f.functionName || '(anonymous)'} ${where(f)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }

  const pct = (us) => Math.round((1000 * us) / busyUs) / 10;
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: Math.round(us / 1000), pctOfBusy: area === 'idle' ? null : pct(us) })),
    top: [...functions.values()]
      .filter((f) => f.fn !== '(idle)')
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, selfMs: Math.round(f.selfUs / 1000), pctOfBusy: pct(f.selfUs) })),
    inclusive: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ fn: key, totalMs: Math.round(us / 1000), pctOfBusy: pct(us) })),
  };
}

export function printProfile(label, s, write = (l) => process.stdout.write(l + '\n')) {
  write(`\nCPU profile of ${label}: ${s.busyMs} ms busy of ${s.totalMs} ms sampled`);
  write('  by area (% of busy time):');
  for (const a of s.areas) write(`    ${String(a.pctOfBusy ?? '-').padStart(5)} %  ${String(a.ms).padStart(7)} ms  ${a.area}`);
  write('  top functions by self time:');
  for (const f of s.top) write(`    ${String(f.pctOfBusy).padStart(5)} %  ${String(f.selfMs).padStart(7)} ms  ${f.fn}  ${f.where}`);
  write('  micropay functions by inclusive time:');
  for (const f of s.inclusive.slice(0, 15)) write(`    ${String(f.pctOfBusy).padStart(5)} %  ${String(f.totalMs).padStart(7)} ms  ${f.fn}`);
}
