#!/usr/bin/env node
/**
 * `npm run bench`: durable payments over real HTTP, against the machine's own ceiling.
 * See docs/benchmarks.md for what it measures, the options and the latest results.
 *
 * For each scenario: a fresh store (SQLite file, or a fresh PostgreSQL database when
 * DATABASE_URL is set), merchants, one funded wallet with one fresh payment code per payment,
 * signed micropay (and queryBill) requests precomputed into a file; then `micropay serve` in its
 * own process(es), a warm-up, and a fixed-duration run by a separate load generator process
 * (wrk with bench/wrk/micropay.lua when wrk is installed, else bench/load-node.mjs). Afterwards
 * every payment answered PAID is looked up in the store and the ledger audit must be clean.
 * The ceiling — a bare node:http server that parses the same JSON body, hashes it once and
 * answers — is measured in the same run with the same generator and settings.
 */
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sign } from '@micropay/protocol';
import { loadConfig } from '../packages/server/dist/config.js';
import { openStore } from '../packages/server/dist/platform.js';
import { createMerchants, createWalletsWithCodes, createWalletsWithDevices, shuffle } from './lib/seed.mjs';
import { offlineStep } from '@micropay/protocol';
import { perfServerFlags, perfUnavailable, printPerf, recordPerf, summarisePerf } from './lib/perf-profile.mjs';
import { printProfile, summariseProfile } from './lib/profile.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');

const { values: opt } = parseArgs({
  options: {
    store: { type: 'string' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    generator: { type: 'string', default: 'auto' },
    scenarios: { type: 'string' },
    merchants: { type: 'string', default: '100' },
    profile: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-duration': { type: 'string', default: '300' },
    'soak-rate': { type: 'string', default: '2000' },
    'no-pgbench': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    tree: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    pairs: { type: 'string', default: '0' },
    'server-flags': { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

// The server under test: this tree's build, or another tree's (`--tree`) for before/after runs.
const CLI = join(opt.tree ?? ROOT, 'packages/server/dist/cli/main.js');

if (opt.help) {
  process.stdout.write(`npm run bench -- [options]
  --store sqlite|postgres   default: postgres when DATABASE_URL is set, else sqlite
  --duration S              seconds of each measured run (default 10), after --warmup S (default 3)
  --connections N           concurrent keep-alive connections (default 100)
  --generator auto|wrk|node auto: wrk when installed
  --scenarios a,b           default sqlite: many,offline,hot,mix,query; postgres: many,offline,hot,mix,query,many-2p,hot-2p
                            (offline: as many, paying with offline codes: docs/offline-codes.md)
  --merchants N             merchants of the many-merchant scenarios (default 100)
  --profile                 record a CPU profile of the server(s) and print the top functions
  --perf                    record the main thread of each server and of the first ceiling with
                            Linux perf during the measured run (on-CPU samples, kernel and native
                            frames too; needs perf, and root or kernel.perf_event_paranoid <= 1)
                            and print where its CPU went
  --soak                    5-minute memory run instead (Node generator, --soak-rate payments/s)
  --no-pgbench              skip the pgbench TPC-B reference on PostgreSQL (run only with many)
  --keep                    keep the scenario databases
  --rounds N                query: N measured runs one after the other on the same server (with
                            --warmup 0, its first seconds against the next)
  --pairs N                 query: then N pairs of runs, the ceiling's then queryBill's, in turn;
                            the targets are judged on their medians (a noisy machine moves both)
  --tree DIR                serve with the built micropay in DIR (another worktree: before/after runs)
  --server-flags="F ..."    Node.js flags for the server process(es), e.g. "--trace-gc"; their
                            output is kept in the run's folder as server-<scenario>-<n>.log
`);
  process.exit(0);
}

const databaseUrl = process.env.DATABASE_URL;
const storeKind = opt.store ?? (databaseUrl ? 'postgres' : 'sqlite');
if (storeKind === 'postgres' && !databaseUrl) fail('--store postgres needs DATABASE_URL=postgres://user@host:port/db (an admin connection)');
const durationS = opt.soak ? Number(opt['soak-duration']) : Number(opt.duration);
const warmupS = Number(opt.warmup);
const connections = Number(opt.connections);
const rounds = Number(opt.rounds);
const pairs = Number(opt.pairs);
const hasWrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
const generator = opt.soak ? 'node' : opt.generator === 'auto' ? (hasWrk ? 'wrk' : 'node') : opt.generator;
if (generator === 'wrk' && !hasWrk) fail('wrk is not installed (apt-get install wrk), or use --generator node');
if (opt.perf && opt.soak) fail('--perf records a measured run, not the soak');
if (opt.perf && perfUnavailable() !== null) fail(perfUnavailable());
const scenarios = opt.soak
  ? ['many']
  : (opt.scenarios ?? (storeKind === 'postgres' ? 'many,offline,hot,mix,query,many-2p,hot-2p' : 'many,offline,hot,mix,query')).split(',');

const SCENARIOS = {
  many: { merchants: Number(opt.merchants), processes: 1, queryShare: 0, label: `${opt.merchants} merchants, many wallets` },
  hot: { merchants: 1, processes: 1, queryShare: 0, label: 'one hot merchant receives every payment' },
  mix: { merchants: Number(opt.merchants), processes: 1, queryShare: 0.2, label: '80 % micropay, 20 % queryBill' },
  'many-2p': { merchants: Number(opt.merchants), processes: 2, queryShare: 0, label: 'many merchants, two server processes' },
  'hot-2p': { merchants: 1, processes: 2, queryShare: 0, label: 'one hot merchant, two server processes' },
  offline: { merchants: Number(opt.merchants), processes: 1, queryShare: 0, offline: true, label: `${opt.merchants} merchants, many wallets, offline codes` },
  'offline-2p': { merchants: Number(opt.merchants), processes: 2, queryShare: 0, offline: true, label: 'many merchants, offline codes, two server processes' },
  // The request path without a write: one paid order, asked about with the same body every time.
  query: { merchants: 1, processes: 1, queryShare: 1, label: 'queryBill only: one paid order, the same body' },
};
for (const s of scenarios) if (!SCENARIOS[s]) fail(`unknown scenario ${s} (${Object.keys(SCENARIOS).join(', ')})`);
// A payment list is used once: only the query scenario's repeated body can be run again.
if (rounds > 1 && scenarios.some((s) => SCENARIOS[s].queryShare < 1)) fail('--rounds needs --scenarios query');
if (pairs > 0 && scenarios.some((s) => SCENARIOS[s].queryShare < 1)) fail('--pairs needs --scenarios query');

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const work = join(RESULTS, `run-${stamp}`);
mkdirSync(work, { recursive: true });
const SERVER_ENV = {
  MICROPAY_LOG_LEVEL: 'error',
  // Requests are signed before the run starts; the window must cover setup and run.
  MICROPAY_TIMESTAMP_WINDOW_S: '3600',
  MICROPAY_PAYCODE_TTL_S: '3600',
  // Each process gets a share of PostgreSQL's connections.
  MICROPAY_PG_POOL_SIZE: process.env.MICROPAY_PG_POOL_SIZE ?? '20',
  // Merchant keys are encrypted at rest: a production server needs the master key (one per run).
  MICROPAY_MASTER_KEY: process.env.MICROPAY_MASTER_KEY ?? randomBytes(32).toString('base64'),
};
const log = (line) => process.stdout.write(line + '\n');
/** Every process this run started; whatever is still running when it exits (also on a failure) is killed. */
const children = new Set();
/** The ceiling's request files, written once (writeCeilingRequests). */
let ceilingRequests;
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

// ---------------------------------------------------------------------------------------------

const run = {
  date: new Date().toISOString(),
  machine: machine(),
  store: storeKind,
  generator,
  connections,
  durationS,
  warmupS,
  soak: opt.soak,
  profile: opt.profile,
  ceiling: null,
  pgbench: null,
  scenarios: [],
  // Settings of this shell that the servers inherit (e.g. MICROPAY_ACCEPTS_PER_TURN=1 for an A/B run).
  serverSettings: Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MICROPAY_') && !name.includes('MASTER_KEY') && !name.startsWith('MICROPAY_TEST_'))),
};
log(`MicroPay bench: ${storeKind}, generator ${generator}, ${connections} connections, ${durationS} s runs after ${warmupS} s warm-up`);
log(`machine: ${run.machine.cpus} × ${run.machine.cpuModel}, ${run.machine.memGiB} GiB, node ${process.version}`);
if (Object.keys(run.serverSettings).length > 0) log(`server settings from the environment: ${Object.entries(run.serverSettings).map(([n, v]) => `${n}=${v}`).join(' ')}`);

const started = Date.now();
try {
  if (!opt.soak) {
    run.ceiling = await measureCeiling(0, opt.perf ? join(work, 'perf-ceiling.data') : null);
    log(`ceiling (bare node:http, JSON parse + SHA-256): ${fmt(run.ceiling.load.requestsPerS)} req/s, p50 ${run.ceiling.load.latencyMs.p50} ms, p99 ${run.ceiling.load.latencyMs.p99} ms`);
    if (run.ceiling.perf) printPerf(`the ceiling (${run.ceiling.perf.file})`, run.ceiling.perf, run.ceiling.load.requests);
  }
  // pgbench is the reference for payments only (the `many` scenario).
  if (storeKind === 'postgres' && !opt['no-pgbench'] && !opt.soak && scenarios.includes('many')) {
    run.pgbench = pgbench();
    if (run.pgbench.tps !== null) log(`pgbench TPC-B (-s 10 -c 8 -j 2 -T 15): ${fmt(run.pgbench.tps)} tps`);
    else log(`pgbench: ${run.pgbench.note}`);
  }
  let bestRate = null;
  for (const name of scenarios) {
    const result = await runScenario(name, SCENARIOS[name], bestRate);
    run.scenarios.push(result);
    if (result.paymentsPerS > 0 && SCENARIOS[name].queryShare < 1) bestRate = Math.max(bestRate ?? 0, result.paymentsPerS);
    printScenario(result);
  }
} finally {
  if (!opt.keep) for (const f of readdirSync(work)) if (/\.(db|db-wal|db-shm|db-serve\.lock|txt(\.\d)?)$/.test(f) || /^requests/.test(f)) rmSync(join(work, f), { force: true });
}
run.targets = targets(run);
run.totalS = Math.round((Date.now() - started) / 1000);
const outFile = join(RESULTS, `${stamp}-${storeKind}${opt.soak ? '-soak' : ''}.json`);
writeFileSync(outFile, JSON.stringify(run, null, 2));
printSummary(run);
log(`\nwritten: ${outFile} (whole run ${run.totalS} s)`);
process.exit(run.scenarios.every((s) => s.verified.ok && s.audit.ok) ? 0 : 1);

// ---------------------------------------------------------------------------------------------

/**
 * The ceiling, or with `busyUs` the same bare server spinning that much CPU per request: as slow as
 * the server under test, so its tail is what that rate alone costs on this machine and generator.
 * `perfAs`: the file to record its main thread into with perf during the measured run (--perf).
 */
async function measureCeiling(busyUs = 0, perfAs = null) {
  const requests = (ceilingRequests ??= writeCeilingRequests());
  const flags = perfAs === null ? [] : perfServerFlags(work);
  const server = await startProcess(process.execPath, [...flags, join(ROOT, 'bench/ceiling-server.mjs'), '0', '--busy-us', String(busyUs)], {}, /listening on (http:\S+)/);
  try {
    if (warmupS > 0) await drive([server.url], requests.warmup, warmupS, { label: 'ceiling warm-up', cycle: true });
    const cpu0 = cpuSeconds(server.pid);
    const recorded = perfAs === null ? null : recordMainThreads([server.pid], [perfAs]);
    const load = await drive([server.url], requests.main, durationS, { label: 'ceiling', cycle: true });
    const perfCpuS = recorded === null ? null : await recorded();
    const serverCpu = cpuSeconds(server.pid) - cpu0;
    const perf = perfAs === null ? undefined : { file: perfAs, ...(await summarisePerf(perfAs, perfCpuS[0])) };
    return { load, serverCpuPct: pctOfCore(serverCpu, load.elapsedS), perf };
  } finally {
    await stopProcess(server);
  }
}

/**
 * The ceiling's requests, written once per run (every `--pairs` pair and the slowed ceiling use
 * them again): the same body shape and size as the payments (signed micropay bodies). The ceiling
 * does not care that they repeat, so a small list is cycled.
 */
function writeCeilingRequests() {
  const key = 'K'.repeat(32);
  const lines = [];
  const ts = String(Date.now());
  for (let i = 0; i < 20_000; i++) {
    const body = micropayBody({ mchId: '202611001', key }, `ceil-${i}`, '391234567890123456', ts);
    lines.push(`P\t/api/micropay/micropay\t${body}`);
  }
  return writeRequests('ceiling', lines);
}

/** One scenario on a fresh store: setup, warm-up, measured run, check. */
async function runScenario(name, s, bestRate) {
  log(`\n== ${name}: ${s.label} (${storeKind}, ${s.processes} server process${s.processes > 1 ? 'es' : ''})`);
  const db = await freshDatabase(name);
  const config = loadConfig({ db }, { ...SERVER_ENV });
  // Size the payment list from the ceiling (nothing here can beat the bare server) or, once a
  // scenario has run on this store, from the best rate seen, with room to spare.
  const ceilingRate = run.ceiling?.load.requestsPerS ?? Number(opt['soak-rate']);
  const expectedRate = opt.soak ? Number(opt['soak-rate']) : Math.min(ceilingRate, bestRate === null ? ceilingRate : bestRate * 1.4);
  const payShare = 1 - s.queryShare;
  const mainCount = Math.ceil(expectedRate * durationS * (opt.soak ? 1.02 : 1.15) * payShare) + 1000;
  const warmCount = Math.ceil(expectedRate * warmupS * 1.2 * payShare) + 500;

  if (s.queryShare === 1) return withTailReference(await measureScenario(name, s, db, await seedOnePaidOrder(config, name)));

  const t0 = Date.now();
  const store = await openStore(config);
  let merchants;
  let codes;
  try {
    merchants = await createMerchants(store, s.merchants);
    // Paid in a random order, as customers arrive: paying in the order the wallets were created
    // would touch their rows one page after another, which real traffic never does.
    const seedOptions = { openingSen: 10_00, ttlMs: 3_600_000 };
    // Offline codes pay only within ±40 s of their counter: computed now, three steps ahead, they
    // stay payable for about 70 s, which covers signing, the warm-up and the run.
    codes = s.offline
      ? (await createWalletsWithDevices(store, warmCount + mainCount, seedOptions))(offlineStep(Date.now()) + 3)
      : shuffle(await createWalletsWithCodes(store, warmCount + mainCount, seedOptions));
  } finally {
    await store.close();
  }
  // The setup's WAL written out now: otherwise the checkpoint it calls for falls inside a
  // measured run, at a different moment in each, and moves a before/after comparison.
  if (storeKind === 'postgres') await admin('CHECKPOINT');
  const setupS = (Date.now() - t0) / 1000;
  log(`setup: ${s.merchants} merchants, ${fmt(codes.length)} wallets with a fresh code each in ${setupS.toFixed(1)} s`);

  const t1 = Date.now();
  const ts = String(Date.now());
  const build = (from, to, prefix) => {
    const lines = [];
    const pays = [];
    let code = from;
    for (let i = 0; code < to; i++) {
      const isQuery = s.queryShare > 0 && i >= 2000 && (i % 10) < s.queryShare * 10;
      if (isQuery) {
        // Ask about a payment made well before in the same list (and the same wrk thread),
        // which has been answered by the time this query is sent.
        const earlier = pays[pays.length - 1000 - (i % 500)];
        lines.push(`Q\t/api/micropay/queryBill\t${queryBody(earlier.m, earlier.order, ts)}`);
      } else {
        const m = merchants[code % merchants.length];
        const order = `${prefix}${code}`;
        lines.push(`P\t/api/micropay/micropay\t${micropayBody(m, order, codes[code], ts)}`);
        pays.push({ m, order });
        code++;
      }
    }
    return lines;
  };
  const requests = writeRequests(name, build(0, warmCount, 'w'), { main: build(warmCount, codes.length, 'b') });
  log(`requests: ${fmt(warmCount)} warm-up + ${fmt(mainCount)} measured payments signed in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  return measureScenario(name, s, db, { requests, setupS, cycle: false });
}

/**
 * The `query` scenario's store: one merchant, one wallet, one order paid through the store, and
 * the one signed queryBill request about it that every connection sends again and again.
 */
async function seedOnePaidOrder(config, name) {
  const t0 = Date.now();
  const store = await openStore(config);
  let body;
  try {
    const [m] = await createMerchants(store, 1);
    const [payCode] = await createWalletsWithCodes(store, 1, { openingSen: 10_00, ttlMs: 3_600_000 });
    const cmd = { mchId: m.mchId, mchOrderId: 'query-1', amountSen: 1_00, goodsInfo: 'Parking, lane 7, 2 h 15 min', discountSen: null, point: null, payCode, timestampMs: Date.now() };
    const decision = await store.pay(cmd);
    if (decision.kind !== 'paid') fail(`${name}: the order to query was not paid (${decision.kind})`);
    body = queryBody(m, cmd.mchOrderId, String(Date.now()));
  } finally {
    await store.close();
  }
  const setupS = (Date.now() - t0) / 1000;
  log(`setup: one merchant, one order paid, one queryBill body in ${setupS.toFixed(1)} s`);
  // Two threads of wrk each need lines; the list is cycled.
  const requests = writeRequests(name, Array.from({ length: 1000 }, () => `Q\t/api/micropay/queryBill\t${body}`));
  return { requests, setupS, cycle: true };
}

/**
 * queryBill's p99 beside the p99 of the ceiling slowed to queryBill's rate (measureCeiling's
 * busyUs: the difference of their times per request at saturation). With a hundred connections
 * always waiting, a slower server's p99 grows with its p50 (Little's law); what the slowed ceiling
 * shows is that share, and the rest of queryBill's p99 is the platform's own.
 */
async function withTailReference(result) {
  if (run.ceiling === null || result.requestsPerS <= 0) return result;
  const busyUs = Math.max(0, 1e6 / result.requestsPerS - 1e6 / run.ceiling.load.requestsPerS);
  const { load } = await measureCeiling(busyUs);
  result.tailReference = { busyUs: Math.round(busyUs), requestsPerS: load.requestsPerS, latencyMs: load.latencyMs };
  return result;
}

/** Serves the seeded store, drives it (warm-up, measured run), then checks every PAID answer and the audit. */
async function measureScenario(name, s, db, { requests, setupS, cycle }) {
  const profileDir = join(work, `profile-${name}`);
  const servers = await startServers(name, s, db, profileDir);
  let measured;
  try {
    measured = await driveServers(name, s, db, servers, requests, cycle);
  } finally {
    for (const x of servers) await stopProcess(x);
  }
  const { load, serverCpu } = measured;
  const t2 = Date.now();
  const { verified, audit } = await checkStore(db, readPaid(requests.main, load));
  const checkS = (Date.now() - t2) / 1000;
  await dropDatabase(name, db);

  const runs = [load, ...(load.later ?? [])];
  const result = {
    scenario: name,
    label: s.label,
    processes: s.processes,
    merchants: s.merchants,
    setupS,
    checkS,
    requestsPerS: load.requestsPerS,
    paymentsPerS: load.paidAnswered / load.elapsedS,
    ratioToCeiling: run.ceiling ? load.requestsPerS / run.ceiling.load.requestsPerS : null,
    pairs: measured.pairRuns === undefined ? undefined : { runs: measured.pairRuns, medians: pairMedians(measured.pairRuns) },
    latencyMs: load.latencyMs,
    byCode: load.byCode,
    errors: Object.fromEntries(Object.entries(load.byCode).filter(([code]) => code !== '0')),
    socketErrors: load.socketErrors,
    exhausted: load.exhausted,
    serverCpuPct: serverCpu.map((c) => pctOfCore(c, runs.reduce((sum, l) => sum + l.elapsedS, 0))),
    // What one answer cost the server(s), whatever else shares the machine's cores.
    serverCpuUsPerRequest: Math.round((serverCpu.reduce((a, b) => a + b, 0) * 1e6) / runs.reduce((n, l) => n + l.requests, 0)),
    writesPerPayment: measured.writes,
    generatorCpuPct: load.generatorCpuPct,
    rss: measured.rss,
    verified,
    audit,
    load,
  };
  if (opt.profile) result.profiles = profileSummaries(profileDir);
  if (opt.perf) result.perf = await Promise.all(measured.perfCpuS.map(async (cpuS, i) => ({ file: perfFile(name, i), ...(await summarisePerf(perfFile(name, i), cpuS)) })));
  return result;
}

/** The scenario's server processes on the seeded database, with the run's profiling flags. */
async function startServers(name, s, db, profileDir) {
  const servers = [];
  for (let p = 0; p < s.processes; p++) {
    const flags = [...(opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(opt.perf ? perfServerFlags(work) : [])];
    const extra = opt['server-flags'].split(/\s+/).filter(Boolean);
    const server = await startProcess(process.execPath, [...flags, ...extra, CLI, 'serve', '--port', '0', '--db', db], SERVER_ENV, /MicroPay is listening on (http:\S+)/);
    if (extra.length > 0) keepOutput(server, join(work, `server-${name}-${p}.log`));
    servers.push(server);
  }
  return servers;
}

/**
 * The warm-up, the measured run (with perf when asked), any later rounds and pairs, and what the
 * servers used meanwhile: CPU, memory, pages written.
 */
async function driveServers(name, s, db, servers, requests, cycle) {
  const urls = servers.map((x) => x.url);
  if (warmupS > 0) await drive(urls, requests.warmup, warmupS, { label: `${name} warm-up`, cycle });
  const rssStart = servers.map((x) => rssMiB(x.pid));
  const cpu0 = servers.map((x) => cpuSeconds(x.pid));
  const writes0 = await writeCounters(servers);
  const samples = [];
  const sampler = setInterval(() => samples.push({ atS: samples.length * 10 + 10, rssMiB: servers.map((x) => rssMiB(x.pid)) }), 10_000);
  const recorded = opt.perf ? recordMainThreads(servers.map((x) => x.pid), servers.map((_, i) => perfFile(name, i))) : null;
  const load = await drive(urls, requests.main, durationS, { label: name, rate: opt.soak ? Number(opt['soak-rate']) : undefined, cycle });
  const perfCpuS = recorded === null ? null : await recorded();
  // More runs on the same server (the query scenario's --rounds): the first against the next.
  for (let r = 1; r < rounds; r++) (load.later ??= []).push(await drive(urls, requests.main, durationS, { label: `${name} round ${r + 1}`, cycle }));
  clearInterval(sampler);
  const serverCpu = servers.map((x, i) => cpuSeconds(x.pid) - cpu0[i]);
  const pairRuns = s.queryShare === 1 && pairs > 0 ? await alternateWithCeiling(name, urls, requests.main, cycle) : undefined;
  const writes = perPayment(writes0, await writeCounters(servers), load.paidAnswered);
  const rss = { startMiB: rssStart, endMiB: servers.map((x) => rssMiB(x.pid)), samples };
  // SQLite: the database and WAL file sizes at the end, so a WAL that never resets shows up.
  if (storeKind === 'sqlite') rss.files = { dbMiB: fileMiB(db), walMiB: fileMiB(`${db}-wal`) };
  return { load, perfCpuS, serverCpu, pairRuns, writes, rss };
}

/** Every payment answered PAID must be PAID in the store, and the ledger audit must be clean. */
async function checkStore(db, answered) {
  // The audit reads every order: give it more than a request's statement timeout, and the
  // planner statistics of the tables the run filled.
  const check = await openStore(loadConfig({ db }, { MICROPAY_PG_STATEMENT_TIMEOUT_MS: '600000', MICROPAY_MASTER_KEY: SERVER_ENV.MICROPAY_MASTER_KEY }));
  if (check.kind === 'postgres') await check.pool.query('ANALYZE');
  try {
    const verified = await verifyPaid(check, answered);
    const report = await check.audit();
    const failed = report.checks.filter((c) => c.violations.length > 0).map((c) => `${c.name}: ${c.violations.slice(0, 3).join('; ')}`);
    return { verified, audit: { ok: report.ok, failed, totals: report.totals } };
  } finally {
    await check.close();
  }
}

function profileSummaries(dir) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  return files.map((f) => ({ file: join(dir, f), ...summariseProfile(join(dir, f)) }));
}

function perfFile(scenario, serverIndex) {
  return join(work, `perf-${scenario}-${serverIndex}.data`);
}

/**
 * --perf: records each process's main thread for the measured run. The function it returns waits
 * for perf and gives each thread's CPU seconds meanwhile (/proc), which its samples share out.
 */
function recordMainThreads(pids, files) {
  const cpu0 = pids.map((pid) => cpuSeconds(pid, pid));
  // Handled at once: a perf that fails early must not end the bench as an unhandled rejection.
  const recordings = pids.map((pid, i) => recordPerf(pid, durationS, files[i]).then(() => null, (error) => error));
  return async () => {
    const failed = (await Promise.all(recordings)).find((error) => error !== null);
    if (failed !== undefined) throw failed;
    return pids.map((pid, i) => cpuSeconds(pid, pid) - cpu0[i]);
  };
}

/**
 * `--pairs`: the ceiling and queryBill in turn, so that each pair meets the machine in the same
 * minute. On this shared VM the ceiling alone moves by half within minutes; one ceiling run at the
 * start, set against one queryBill run minutes later, measured the machine as much as the server.
 */
async function alternateWithCeiling(name, urls, requests, cycle) {
  const list = [];
  for (let i = 0; i < pairs; i++) {
    const ceiling = (await measureCeiling()).load;
    const query = await drive(urls, requests, durationS, { label: `${name} pair ${i + 1}`, cycle });
    const pair = { ceiling: summaryOf(ceiling), query: summaryOf(query), ratio: query.requestsPerS / ceiling.requestsPerS };
    log(`  pair ${i + 1}: ceiling ${fmt(ceiling.requestsPerS)}/s p99 ${ceiling.latencyMs.p99} ms, ${name} ${fmt(query.requestsPerS)}/s p99 ${query.latencyMs.p99} ms: ${pair.ratio.toFixed(2)} ×`);
    list.push(pair);
  }
  return list;
}

function summaryOf(load) {
  return { requestsPerS: load.requestsPerS, latencyMs: load.latencyMs };
}

/** The medians of the pairs' ratios and p99s (the middle one; the lower middle of an even count). */
function pairMedians(list) {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  return {
    count: list.length,
    ratio: median(list.map((p) => p.ratio)),
    p99: median(list.map((p) => p.query.latencyMs.p99)),
    ceilingP99: median(list.map((p) => p.ceiling.latencyMs.p99)),
  };
}

async function verifyPaid(store, answered) {
  let missing = 0;
  const examples = [];
  if (store.kind === 'sqlite') {
    const stmt = store.db.prepare('SELECT status FROM orders WHERE mch_id = ? AND mch_order_id = ?');
    for (const [mchId, order] of answered) {
      const row = stmt.get(mchId, order);
      if (row?.status !== 'PAID') {
        missing++;
        if (examples.length < 5) examples.push(`${mchId}/${order}: ${row?.status ?? 'absent'}`);
      }
    }
  } else {
    // In chunks, one query each: the pairs are compared in the database.
    for (let i = 0; i < answered.length; i += 50_000) {
      const part = answered.slice(i, i + 50_000);
      const { rows } = await store.pool.query(
        `SELECT x.mch_id, x.mch_order_id, o.status FROM unnest($1::text[], $2::text[]) AS x (mch_id, mch_order_id)
           LEFT JOIN orders o ON o.mch_id = x.mch_id AND o.mch_order_id = x.mch_order_id
          WHERE o.status IS DISTINCT FROM 'PAID'`,
        [part.map((p) => p[0]), part.map((p) => p[1])],
      );
      missing += rows.length;
      for (const r of rows.slice(0, 5 - examples.length)) examples.push(`${r.mch_id}/${r.mch_order_id}: ${r.status ?? 'absent'}`);
    }
  }
  const paidInStore = store.kind === 'sqlite'
    ? store.db.prepare(`SELECT COUNT(*) AS n FROM orders WHERE status = 'PAID'`).get().n
    : Number((await store.pool.query(`SELECT COUNT(*) AS n FROM orders WHERE status = 'PAID'`)).rows[0].n);
  return { ok: missing === 0, answeredPaid: answered.length, missing, examples, paidInStore };
}

/** The (mchId, mchOrderId) of every payment answered PAID in the measured run. */
function readPaid(requests, load) {
  const text = readFileSync(load.paidFile, 'utf8');
  if (load.generator === 'wrk') return text.split('\n').filter(Boolean).map((l) => l.split(' '));
  // The Node generator writes line numbers of the requests file.
  const lines = readFileSync(requests.files[0], 'utf8').split('\n');
  return text.split('\n').filter(Boolean).map((n) => {
    const body = JSON.parse(lines[Number(n)].split('\t')[2]);
    return [body.mchId, body.mchOrderId];
  });
}

// --- requests --------------------------------------------------------------------------------

function micropayBody(m, mchOrderId, payCode, timestamp) {
  const params = { mchId: m.mchId, mchOrderId, amount: '1.00', goodsInfo: 'Parking, lane 7, 2 h 15 min', discount: '', point: '', payCode, timestamp };
  return JSON.stringify({ ...params, secureHash: sign(params, m.key) });
}

function queryBody(m, mchOrderId, timestamp) {
  const params = { mchId: m.mchId, mchOrderId, timestamp };
  return JSON.stringify({ ...params, secureHash: sign(params, m.key) });
}

/**
 * Writes the warm-up and main request lists in the generator's format: wrk reads one file per
 * thread (request i to thread i mod 2, so each thread's list keeps the order), Node one file.
 */
function writeRequests(name, warmLines, { main } = {}) {
  const write = (suffix, lines) => {
    const base = join(work, `requests-${name}-${suffix}.txt`);
    if (generator === 'node') {
      writeLines(base, lines);
      return { prefix: base, files: [base] };
    }
    const parts = [[], []];
    lines.forEach((l, i) => parts[i % 2].push(l));
    parts.forEach((p, t) => writeLines(`${base}.${t + 1}`, p));
    return { prefix: base, files: [`${base}.1`, `${base}.2`] };
  };
  return { warmup: write('warmup', warmLines), main: write('main', main ?? warmLines) };
}

function writeLines(file, lines) {
  const fd = openSync(file, 'w');
  for (let i = 0; i < lines.length; i += 10_000) writeSync(fd, lines.slice(i, i + 10_000).join('\n') + '\n');
  closeSync(fd);
}

// --- load generators -------------------------------------------------------------------------

async function drive(urls, requests, seconds, { label, rate, cycle = false } = {}) {
  const out = `${requests.prefix}.summary.json`;
  const paidFile = `${requests.prefix}.paid`;
  let child;
  if (generator === 'wrk') {
    const hosts = urls.map((u) => new URL(u).host);
    child = spawn('wrk', ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', join(ROOT, 'bench/wrk/micropay.lua'), urls[0]], {
      env: { ...process.env, BENCH_REQUESTS: requests.prefix, BENCH_TARGETS: hosts.join(','), BENCH_CYCLE: cycle ? '1' : '0', BENCH_OUT: out, BENCH_PAID: paidFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    const args = [join(ROOT, 'bench/load-node.mjs'), '--targets', urls.join(','), '--requests', requests.files[0], '--connections', String(connections),
      '--duration', String(seconds), '--out', out, '--paid', paidFile];
    if (rate !== undefined) args.push('--rate', String(rate));
    if (cycle) args.push('--cycle');
    child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', () => {});
  // CPU of the generator over its whole life, read just before it exits (it is then a zombie
  // only after 'exit'; sample periodically and keep the last reading).
  let cpu = 0;
  const t0 = Date.now();
  const poll = setInterval(() => {
    const c = cpuSeconds(child.pid);
    if (c > 0) cpu = c;
  }, 250);
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  if (code !== 0 || !existsSync(out)) fail(`${label}: the ${generator} generator failed (exit ${code}): ${stderr.slice(0, 2000)}`);
  const summary = JSON.parse(readFileSync(out, 'utf8'));
  summary.generator = generator;
  summary.paidFile = paidFile;
  summary.generatorCpuPct = pctOfCore(cpu, (Date.now() - t0) / 1000);
  if (summary.exhausted) log(`WARNING ${label}: the request list ran out before the end; the rate is a lower bound`);
  return summary;
}

// --- processes -------------------------------------------------------------------------------

function startProcess(cmd, args, env, listening) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}${err}`)), 20_000);
    // Until it listens, what it prints is kept for the error message; afterwards only stderr (what
    // --server-flags asks V8 to print goes to keepOutput, not into a string that keeps growing).
    child.stderr.on('data', (d) => (err += d));
    const onOut = (d) => {
      out += d;
      const m = out.match(listening);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onOut);
        child.stdout.resume();
        resolve({ child, pid: child.pid, url: m[1], stderr: () => err });
      }
    };
    child.stdout.on('data', onOut);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited ${code}: ${out}${err}`));
    });
  });
}

/** Appends what a process prints from now on to a file (what --server-flags asked V8 to print). */
function keepOutput(p, file) {
  const fd = openSync(file, 'a');
  for (const stream of [p.child.stdout, p.child.stderr]) stream.on('data', (d) => writeSync(fd, d));
  // 'close', not 'exit': the pipes may still hold output when the process has exited.
  p.child.once('close', () => closeSync(fd));
}

async function stopProcess(p) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** User + system CPU seconds of a live process, or with `tid` of one of its threads, from /proc (0 when it is gone). */
function cpuSeconds(pid, tid = null) {
  try {
    const stat = readFileSync(tid === null ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * What the measured run wrote: SQLite, the bytes the server process(es) sent to storage
 * (/proc/PID/io write_bytes: the WAL and the checkpoints' copies); PostgreSQL, the WAL records and
 * bytes of the whole cluster (pg_stat_wal, PostgreSQL 14+: on a shared server others' writes count too).
 */
async function writeCounters(servers) {
  if (storeKind === 'sqlite') return { bytes: servers.reduce((sum, x) => sum + ioWriteBytes(x.pid), 0) };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT wal_records::bigint AS records, wal_bytes::bigint AS bytes FROM pg_stat_wal');
    return { records: Number(rows[0].records), bytes: Number(rows[0].bytes) };
  } catch {
    return {};
  } finally {
    await client.end();
  }
}

function perPayment(before, after, payments) {
  const out = {};
  for (const k of Object.keys(after)) if (before[k] !== undefined && payments > 0) out[k] = Math.round((after[k] - before[k]) / payments);
  return out;
}

function ioWriteBytes(pid) {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function fileMiB(path) {
  try {
    return Math.round(statSync(path).size / 2 ** 20);
  } catch {
    return null;
  }
}

function pctOfCore(cpuS, wallS) {
  return Math.round((100 * cpuS) / wallS);
}

// --- databases -------------------------------------------------------------------------------

function pgUrl(database) {
  const u = new URL(databaseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(sql) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function freshDatabase(name) {
  if (storeKind === 'sqlite') return join(work, `${name}.db`);
  const database = `micropay_bench_${name.replace(/[^a-z0-9]/g, '_')}`;
  await admin(`DROP DATABASE IF EXISTS ${database}`);
  await admin(`CREATE DATABASE ${database}`);
  return pgUrl(database);
}

async function dropDatabase(name, db) {
  if (opt.keep) return;
  if (storeKind === 'sqlite') {
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-serve.lock`]) rmSync(f, { force: true });
    return;
  }
  await admin(`DROP DATABASE IF EXISTS micropay_bench_${name.replace(/[^a-z0-9]/g, '_')}`);
}

/** PostgreSQL's own TPC-B-like benchmark on this machine, as the reference the targets name. */
function pgbench() {
  const has = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (has.error) return { tps: null, note: 'pgbench is not installed (postgresql-client); no reference rate' };
  const database = 'micropay_bench_pgbench';
  spawnSync('psql', [databaseUrl, '-qc', `DROP DATABASE IF EXISTS ${database}`], { encoding: 'utf8' });
  spawnSync('psql', [databaseUrl, '-qc', `CREATE DATABASE ${database}`], { encoding: 'utf8' });
  const url = pgUrl(database);
  const init = spawnSync('pgbench', ['-i', '-s', '10', '-q', url], { encoding: 'utf8' });
  if (init.status !== 0) return { tps: null, note: `pgbench -i failed: ${init.stderr.slice(0, 500)}` };
  const r = spawnSync('pgbench', ['-c', '8', '-j', '2', '-T', '15', url], { encoding: 'utf8' });
  spawnSync('psql', [databaseUrl, '-qc', `DROP DATABASE IF EXISTS ${database}`], { encoding: 'utf8' });
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  const sc = spawnSync('psql', [databaseUrl, '-Atc', 'SHOW synchronous_commit'], { encoding: 'utf8' });
  return { tps: m ? Number(m[1]) : null, note: m ? 'pgbench -i -s 10; pgbench -c 8 -j 2 -T 15' : r.stdout + r.stderr, synchronousCommit: sc.stdout.trim() };
}

// --- reporting -------------------------------------------------------------------------------

function targets(r) {
  const by = Object.fromEntries(r.scenarios.map((s) => [s.scenario, s]));
  const t = [];
  if (r.soak) {
    const s = r.scenarios[0];
    const start = s.rss.startMiB[0];
    const end = s.rss.endMiB[0];
    t.push({ target: 'server RSS flat over the soak (end ≤ start × 1.2 + 20 MiB)', value: `${start} → ${end} MiB`, met: end <= start * 1.2 + 20 });
    return t;
  }
  const ceiling = r.ceiling.load.requestsPerS;
  if (r.store === 'sqlite' && by.many) {
    t.push({ target: 'SQLite payments/s ≥ 0.6 × ceiling', value: `${by.many.ratioToCeiling.toFixed(2)} ×`, met: by.many.paymentsPerS >= 0.6 * ceiling });
    t.push({ target: 'SQLite p99 ≤ 10 ms', value: `${by.many.latencyMs.p99} ms`, met: by.many.latencyMs.p99 <= 10 });
  }
  if (by.query) {
    const m = by.query.pairs?.medians;
    const [ratio, p99] = m ? [m.ratio, m.p99] : [by.query.ratioToCeiling, by.query.latencyMs.p99];
    const of = m ? `, median of ${m.count} pairs` : '';
    if (r.store === 'sqlite') t.push({ target: 'SQLite queryBill ≥ 0.6 × ceiling', value: `${ratio.toFixed(2)} ×${of}`, met: ratio >= 0.6 });
    const ref = by.query.tailReference;
    const refText = m ? `${of} (the ceiling's own: ${m.ceilingP99} ms)` : ref ? ` (the ceiling slowed to the same rate: ${ref.latencyMs.p99} ms)` : '';
    if (r.store === 'sqlite') t.push({ target: 'SQLite queryBill p99 ≤ 10 ms', value: `${p99} ms${refText}`, met: p99 <= 10 });
    if (r.store === 'postgres') t.push({ target: 'PostgreSQL queryBill ≥ 0.4 × ceiling', value: `${ratio.toFixed(2)} ×${of}`, met: ratio >= 0.4 });
  }
  if (by.many && by.hot) {
    const ratio = by.hot.paymentsPerS / by.many.paymentsPerS;
    t.push({ target: `${r.store}: one hot merchant ≥ 0.9 × many merchants`, value: `${ratio.toFixed(2)} ×`, met: ratio >= 0.9 });
  }
  if (r.store === 'postgres') {
    // The pgbench comparison is about payments; a query-only run has none to compare.
    const best1 = by.many?.paymentsPerS ?? 0;
    if (r.pgbench?.tps && by.many) t.push({ target: 'PostgreSQL payments/s over HTTP ≥ 1.5 × pgbench TPC-B', value: `${(best1 / r.pgbench.tps).toFixed(2)} × (${fmt(best1)} vs ${fmt(r.pgbench.tps)})`, met: best1 >= 1.5 * r.pgbench.tps });
    for (const name of ['many', 'hot']) {
      const one = by[name];
      const two = by[`${name}-2p`];
      if (one && two) t.push({ target: `PostgreSQL two processes faster than one (${name})`, value: `${fmt(two.paymentsPerS)} vs ${fmt(one.paymentsPerS)}`, met: two.paymentsPerS > one.paymentsPerS });
    }
  }
  return t;
}

function printScenario(s) {
  log(`${s.scenario}: ${fmt(s.paymentsPerS)} payments/s (${fmt(s.requestsPerS)} requests/s${s.ratioToCeiling !== null ? `, ${s.ratioToCeiling.toFixed(2)} × ceiling` : ''}), p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`);
  log(`  answers by code: ${JSON.stringify(s.byCode)}${s.socketErrors ? `, socket errors ${s.socketErrors}` : ''}${s.exhausted ? ', LIST EXHAUSTED' : ''}`);
  log(`  CPU: server ${s.serverCpuPct.join(' + ')} % (${s.serverCpuUsPerRequest} µs per request), generator ${s.generatorCpuPct} % (of one core); server RSS ${s.rss.startMiB.join('/')} → ${s.rss.endMiB.join('/')} MiB${s.rss.files ? `; SQLite file ${s.rss.files.dbMiB} MiB, WAL ${s.rss.files.walMiB} MiB` : ''}`);
  log(`  check: ${fmt(s.verified.answeredPaid)} answered PAID, ${s.verified.missing} missing from the store${s.verified.examples.length ? ` (${s.verified.examples.join(', ')})` : ''}; ${fmt(s.verified.paidInStore)} PAID in the store; audit ${s.audit.ok ? 'clean' : 'FAILED: ' + s.audit.failed.join(' | ')} (${s.checkS.toFixed(1)} s)`);
  for (const [i, l] of (s.load.later ?? []).entries()) log(`  round ${i + 2} on the same server: ${fmt(l.requestsPerS)} requests/s, p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms, max ${l.latencyMs.max} ms`);
  const ref = s.tailReference;
  if (ref) log(`  the ceiling slowed to this rate (${ref.busyUs} µs more per request): ${fmt(ref.requestsPerS)} requests/s, p50 ${ref.latencyMs.p50} ms, p99 ${ref.latencyMs.p99} ms`);
  if (s.rss.samples.length > 1) log(`  RSS every 10 s: ${s.rss.samples.map((x) => x.rssMiB.join('/')).join(' ')} MiB`);
  for (const p of s.profiles ?? []) printProfile(`${s.scenario} server (${p.file})`, p);
  // Two processes share the generator's connections evenly, so each answered about half.
  for (const p of s.perf ?? []) printPerf(`${s.scenario} server (${p.file})`, p, s.load.requests / s.processes);
}

/** SQLite: bytes to storage per payment; PostgreSQL: WAL records and bytes per payment. */
function writtenText(w) {
  if (w === undefined || Object.keys(w).length === 0) return '–';
  return w.records !== undefined ? `${w.records} WAL rec, ${fmt(w.bytes)} B` : `${fmt(w.bytes)} B`;
}

function printSummary(r) {
  log('\n| scenario | payments/s | requests/s | × ceiling | p50 ms | p99 ms | errors | server CPU % | generator CPU % | RSS MiB | written per payment | PAID checked | audit |');
  log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  if (r.ceiling) log(`| ceiling (bare node:http) | – | ${fmt(r.ceiling.load.requestsPerS)} | 1.00 | ${r.ceiling.load.latencyMs.p50} | ${r.ceiling.load.latencyMs.p99} | ${JSON.stringify(Object.fromEntries(Object.entries(r.ceiling.load.byCode).filter(([c]) => c !== '0')))} | ${r.ceiling.serverCpuPct} | ${r.ceiling.load.generatorCpuPct} | – | – | – | – |`);
  for (const s of r.scenarios) {
    log(`| ${s.scenario} | ${fmt(s.paymentsPerS)} | ${fmt(s.requestsPerS)} | ${s.ratioToCeiling?.toFixed(2) ?? '–'} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${JSON.stringify(s.errors)} | ${s.serverCpuPct.join('+')} | ${s.generatorCpuPct} | ${s.rss.startMiB.join('/')}→${s.rss.endMiB.join('/')} | ${writtenText(s.writesPerPayment)} | ${s.verified.ok ? 'ok' : 'MISSING ' + s.verified.missing} (${fmt(s.verified.answeredPaid)}) | ${s.audit.ok ? 'clean' : 'FAILED'} |`);
  }
  if (r.pgbench?.tps) log(`\npgbench TPC-B reference: ${fmt(r.pgbench.tps)} tps (synchronous_commit=${r.pgbench.synchronousCommit})`);
  log('\ntargets:');
  for (const t of r.targets) log(`  ${t.met ? 'MET    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
}

function machine() {
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

