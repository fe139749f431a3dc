/**
 * A Linux perf recording of a server's main thread (`npm run bench -- --perf`) and its summary.
 *
 * Why beside `--profile`: V8's --cpu-prof samples the thread's wall clock. On this VM three times
 * as many of its samples landed in queryBill's SQLite calls as perf found the thread running
 * there (docs/benchmarks.md, issue 18). perf samples the thread only while it runs, with the
 * kernel's, native and JavaScript frames (named through V8's --perf-basic-prof map). It unwinds
 * by frame pointer, so a stack through native code built without them (SQLite, libc) may end
 * early: areas are decided by the innermost frames, which it always has.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { areaOf } from './profile.mjs';

/** Node.js flags for a process to be recorded: every JavaScript frame named, V8's log kept in `dir`. */
export function perfServerFlags(dir) {
  return ['--perf-basic-prof', '--interpreted-frames-native-stack', `--logfile=${dir}/v8-%p.log`];
}

/** Why perf cannot record here, or null. */
export function perfUnavailable() {
  if (spawnSync('perf', ['--version']).error !== undefined) return 'perf is not installed (Debian: apt-get install linux-perf)';
  const paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'));
  if (process.getuid?.() !== 0 && paranoid > 1) return `--perf needs root or kernel.perf_event_paranoid <= 1 (it is ${paranoid}): the kernel's frames are part of the answer`;
  return null;
}

/** Records thread `tid` for `seconds` into `file`. */
export function recordPerf(tid, seconds, file) {
  return new Promise((resolve, reject) => {
    const args = ['record', '-F', '999', '-g', '-t', String(tid), '-o', file, '--', 'sleep', String(seconds)];
    const p = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${err.trim()}`))));
  });
}

// A frame line is tab-indented: "\t    7f87ec12f93c JS:*reply file:///…/server.js:225:15 (/tmp/perf-9044.map)".
const FRAME = /^\t\s*[0-9a-f]+ (.*) \((.*)\)$/;
// V8's tier mark, the function's name (a getter's is "get name"), and where it is.
const JS_FRAME = /^JS:[*~^+]?(.*) (\S+):\d+:\d+$/;
const GC = /^v8::internal::(Heap::|Scavenger|MarkCompact|MinorMarkSweep|GCTracer|\w*Sweeper|ConcurrentMarking|IncrementalMarking|MarkingBarrier)/;
const BUILT_IN = /^(Builtins_(Json|RegExp|StringPrototype)|v8::internal::Json|sha256_|SHA256)/;

/**
 * The area a sample is charged to. System calls go to their caller when that is SQLite (its
 * locks), else to the kernel; SQLite, the garbage collector, JSON, hashing and regular
 * expressions by their own frames; anything else (V8's helpers, Node's C++, malloc) to the
 * innermost JavaScript function above it, as V8's profile does.
 */
function sampleArea(stack) {
  let inKernel = false;
  for (const { sym, dso } of stack) {
    if (dso.includes('kernel')) inKernel = true;
    else if (dso.includes('better_sqlite3')) return 'better-sqlite3 (SQLite, with its system calls)';
    else if (inKernel && dso.includes('libc.so')) continue; // the system call's wrapper: whose call is it?
    else if (inKernel) return 'kernel (system calls: sockets, epoll)';
    else if (GC.test(sym)) return 'garbage collection';
    else if (BUILT_IN.test(sym)) return 'built-in (JSON, crypto, regexp …)';
    else {
      const js = JS_FRAME.exec(sym);
      if (js !== null) return areaOf({ functionName: js[1], url: js[2] });
    }
  }
  return inKernel ? 'kernel (system calls: sockets, epoll)' : 'native (Node.js, V8, libc)';
}

/** Reads `perf script` line by line (a long run's output is larger than a string may be). */
async function eachStack(file, onStack) {
  const p = spawn('perf', ['script', '-i', file, '-F', 'tid,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => p.on('exit', resolve));
  let stack = [];
  for await (const line of createInterface({ input: p.stdout })) {
    const frame = FRAME.exec(line);
    if (frame !== null) stack.push({ sym: frame[1], dso: frame[2] });
    // A sample ends at the blank line after its frames, or at the next sample's header.
    else if (stack.length > 0) onStack(stack), (stack = []);
  }
  if (stack.length > 0) onStack(stack);
  if ((await exited) !== 0) throw new Error(`perf script: ${err.trim()}`);
}

/** `cpuS`: the thread's CPU while perf recorded (from /proc), which the samples share out. */
export async function summarisePerf(file, cpuS) {
  const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const areas = new Map();
  const top = new Map();
  const inclusive = new Map();
  let samples = 0;
  await eachStack(file, (stack) => {
    samples++;
    count(areas, sampleArea(stack));
    count(top, stack[0].sym);
    const seen = new Set();
    for (const { sym } of stack) {
      const js = JS_FRAME.exec(sym);
      if (js === null || !js[2].includes('/packages/')) continue;
      const fn = `${js[1] || '(anonymous)'} ${js[2].slice(js[2].indexOf('/packages/') + 1)}`;
      if (!seen.has(fn)) count(inclusive, fn), seen.add(fn);
    }
  });
  const sorted = (map, name, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, k]) => ({ [name]: key, n: k }));
  return { samples, cpuMs: Math.round(cpuS * 1000), areas: sorted(areas, 'area', 20), top: sorted(top, 'sym', 20), inclusive: sorted(inclusive, 'fn', 15) };
}

/** `requests`: answered while perf recorded, so each share is also µs of the thread per request. */
export function printPerf(label, s, requests, write = (l) => process.stdout.write(l + '\n')) {
  const line = (n, what) => {
    const perRequest = requests > 0 ? `${((n / s.samples) * s.cpuMs * 1000 / requests).toFixed(2).padStart(6)} µs` : '';
    write(`    ${((100 * n) / s.samples).toFixed(1).padStart(5)} %  ${perRequest}  ${what}`);
  };
  write(`\nperf (on-CPU) of ${label}: ${s.cpuMs} ms of the main thread's CPU, ${s.samples} samples`);
  write('  by area (% of the samples; µs of the thread per request answered meanwhile):');
  for (const a of s.areas) line(a.n, a.area);
  write('  innermost frames:');
  for (const f of s.top) line(f.n, f.sym.slice(0, 110));
  write('  micropay functions, inclusive:');
  for (const f of s.inclusive) line(f.n, f.fn);
}
