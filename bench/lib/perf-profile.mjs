/**
 * A Linux perf recording of a server's main thread (`npm run bench -- --perf`) and its summary.
 *
 * Why beside `--profile`: V8's --cpu-prof samples the thread's wall clock, and on this VM its
 * samples pile up at system calls (a lock's fcntl, a socket's writev), where the thread is most
 * often descheduled: it charged queryBill's SQLite lookup with 22 % of the thread where perf's
 * on-CPU samples found 8 % (docs/benchmarks.md, issue 18). perf samples the thread only while it
 * runs, with the whole stack: the kernel's, SQLite's, V8's and JavaScript's (named through V8's
 * --perf-basic-prof map).
 */
import { spawn, spawnSync } from 'node:child_process';
import { areaOf } from './profile.mjs';

const HZ = 999;

/** Node.js flags for a server to be recorded: JIT frames named for perf, V8's own log kept in `dir`. */
export function perfServerFlags(dir) {
  return ['--perf-basic-prof', `--logfile=${dir}/v8-%p.log`];
}

export function perfMissing() {
  return spawnSync('perf', ['--version']).error === undefined ? null : 'perf is not installed (apt-get install linux-perf)';
}

/** Records thread `tid` for `seconds` into `file`. */
export function recordPerf(tid, seconds, file) {
  return new Promise((resolve, reject) => {
    const args = ['record', '-F', String(HZ), '-g', '-t', String(tid), '-o', file, '--', 'sleep', String(seconds)];
    const p = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${err.trim()}`))));
  });
}

/** Each sample's stack, innermost frame first: [{ sym, dso }]. */
function readStacks(file) {
  const out = spawnSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (out.status !== 0) throw new Error(`perf script: ${out.stderr}`);
  const stacks = [];
  let stack = null;
  for (const line of out.stdout.split('\n')) {
    const frame = /^\s+[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
    if (frame !== null) stack?.push({ sym: frame[1], dso: frame[2] });
    else if (line.trim() !== '') stacks.push((stack = []));
  }
  return stacks.filter((s) => s.length > 0);
}

// "JS:*handle file:///…/server.js:74:22": V8's tier mark, the function's name, where it is.
const JS_FRAME = /^JS:[*~^+]?(\S*) (.+):\d+:\d+$/;

/**
 * The area a sample is charged to: the kernel, SQLite, the garbage collector, JSON, hashing and
 * regular expressions by their own frames; anything else (V8's helpers, Node's C++, malloc) to the
 * innermost JavaScript function above it, as V8's profile does.
 */
function sampleArea(stack) {
  for (const { sym, dso } of stack) {
    if (dso.includes('kernel')) return 'kernel (system calls: sockets, locks)';
    if (dso.includes('better_sqlite3')) return 'better-sqlite3 (SQLite)';
    if (/Heap::|Scaveng|MarkCompact|GCTracer|Sweeper|ConcurrentMarking/.test(sym)) return 'garbage collection';
    if (/Json|sha256|RegExp|Builtins_StringPrototype/.test(sym)) return 'built-in (JSON, crypto, regexp …)';
    const js = JS_FRAME.exec(sym);
    if (js !== null) return areaOf({ functionName: js[1], url: js[2] });
  }
  return 'native (Node.js, V8, libc)';
}

/** Returns { samples, cpuMs, areas: [{ area, n }], top: [{ sym, n }], inclusive: [{ fn, n }] }. */
export function summarisePerf(file) {
  const stacks = readStacks(file);
  const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const areas = new Map();
  const top = new Map();
  const inclusive = new Map();
  for (const stack of stacks) {
    count(areas, sampleArea(stack));
    count(top, stack[0].sym);
    const seen = new Set();
    for (const { sym } of stack) {
      const js = JS_FRAME.exec(sym);
      if (js === null || !js[2].includes('/packages/')) continue;
      const fn = `${js[1] || '(anonymous)'} ${sym.slice(sym.indexOf('/packages/') + 1)}`;
      if (!seen.has(fn)) count(inclusive, fn), seen.add(fn);
    }
  }
  const sorted = (map, name, n = 25) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, k]) => ({ [name]: key, n: k }));
  return { samples: stacks.length, cpuMs: Math.round((stacks.length * 1000) / HZ), areas: sorted(areas, 'area'), top: sorted(top, 'sym'), inclusive: sorted(inclusive, 'fn', 15) };
}

/** `requests`: answered while perf recorded, so each share is also µs of the thread per request. */
export function printPerf(label, s, requests, write = (l) => process.stdout.write(l + '\n')) {
  const line = (n, what) => {
    const perRequest = requests > 0 ? `${((n * 1e6) / HZ / requests).toFixed(2).padStart(6)} µs` : '';
    write(`    ${((100 * n) / s.samples).toFixed(1).padStart(5)} %  ${perRequest}  ${what}`);
  };
  write(`\nperf (on-CPU) of ${label}: ${s.cpuMs} ms of the main thread's CPU, ${s.samples} samples`);
  write('  by area (% of on-CPU samples; µs per request answered meanwhile):');
  for (const a of s.areas) line(a.n, a.area);
  write('  innermost frames:');
  for (const f of s.top.slice(0, 20)) line(f.n, f.sym.slice(0, 110));
  write('  micropay functions, inclusive:');
  for (const f of s.inclusive) line(f.n, f.fn);
}
