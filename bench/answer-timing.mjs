#!/usr/bin/env node
/**
 * How much of a served queryBill's cost is its own work, and how much is when its answer is
 * written (docs/benchmarks.md, "Twenty-third session"). One paid order is queried by wrk (2
 * threads, 100 connections) on four servers in turn, each in its own process, in alternating rounds:
 *
 *   ceiling    bench/ceiling-server.mjs, the bare node:http server;
 *   real       micropay's server as it is: the order read from SQLite, reads shared four at a time;
 *   at-once    the same, but the order handed back at once from memory, with no read at all;
 *   cached     the whole answer computed once and handed back again: the HTTP edge alone.
 *
 * Each prints requests/s, p99 and the server's CPU µs per request (/proc), the median over rounds.
 * Not a target: a diagnosis. Load goes to 127.0.0.1 only, every run is bounded in time.
 *
 *   node bench/answer-timing.mjs [--rounds 2] [--seconds 8]      (needs wrk: apt-get install wrk)
 *   node bench/answer-timing.mjs --serve VARIANT BODY_FILE      (one server; used by the above)
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '8' }, serve: { type: 'string' } }, allowPositionals: true });

if (opt.serve !== undefined) await serve(opt.serve, process.argv.at(-1));
else await compare(Number(opt.rounds), Number(opt.seconds));

/** One server of `variant` on a free port with one paid order; its signed queryBill body is written to `bodyFile`. */
async function serve(variant, bodyFile) {
  const dist = (path) => import(join(ROOT, 'packages/server/dist', path));
  const [{ openStore, startPlatform }, { loadConfig }, { silentLogger }, { ROUTES }, { queryBill }, protocol, seed] = await Promise.all([
    dist('platform.js'), dist('config.js'), dist('log.js'), dist('http/routes.js'), dist('api/payments.js'),
    import(join(ROOT, 'packages/protocol/dist/index.js')), import('./lib/seed.mjs'),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'micropay-answer-timing-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const env = { MICROPAY_MASTER_KEY: randomBytes(32).toString('base64'), MICROPAY_TIMESTAMP_WINDOW_S: '3600' };
  const config = { ...loadConfig({ db: join(dir, 'micropay.db') }, env), port: 0, host: '127.0.0.1' };
  const store = await openStore(config, undefined, { serving: true });
  const [merchant] = await seed.createMerchants(store, 1);
  const [payCode] = await seed.createWalletsWithCodes(store, 1, { openingSen: 10_00, ttlMs: 3_600_000 });
  await store.pay({ mchId: merchant.mchId, mchOrderId: 'q1', amountSen: 1_00, goodsInfo: 'Parking', discountSen: null, point: null, payCode, timestampMs: Date.now() });
  if (variant === 'at-once') {
    const order = await store.findOrder(merchant.mchId, 'q1');
    Object.getPrototypeOf(store).findOrder = () => Promise.resolve(order);
  } else if (variant === 'cached') {
    let once;
    ROUTES.set('/api/micropay/queryBill', async (ctx, req) => (once ??= await queryBill(ctx, req)));
  }
  const platform = await startPlatform(config, silentLogger, { store });
  const body = { mchId: merchant.mchId, mchOrderId: 'q1', timestamp: String(Date.now()) };
  body.secureHash = protocol.sign(body, merchant.key);
  writeFileSync(bodyFile, JSON.stringify(body));
  process.stdout.write(`listening on ${platform.url}\n`);
  process.once('SIGTERM', () => platform.close().then(() => process.exit(0)));
}

async function compare(rounds, seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-answer-timing-run-'));
  const bodyFile = join(dir, 'body.json');
  const variants = { ceiling: [join(ROOT, 'bench/ceiling-server.mjs'), '0'], real: [], 'at-once': [], cached: [] };
  const seen = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      // The ceiling goes second, once a micropay server has written the body it is sent.
      for (const name of ['real', 'ceiling', 'at-once', 'cached']) {
        const args = variants[name].length > 0 ? variants[name] : [fileURLToPath(import.meta.url), '--serve', name, bodyFile];
        const run = await measure(args, bodyFile, dir, seconds);
        seen[name].push(run);
        console.log(`round ${round} ${name.padEnd(8)} ${Math.round(run.rps).toLocaleString('en')} requests/s, p99 ${run.p99}, ${run.usPerRequest.toFixed(1)} µs of server CPU a request`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nmedians:');
  for (const [name, runs] of Object.entries(seen)) {
    const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor((runs.length - 1) / 2)];
    console.log(`  ${name.padEnd(8)} ${Math.round(median('rps')).toLocaleString('en')} requests/s, ${median('usPerRequest').toFixed(1)} µs a request`);
  }
}

/** Starts one server, warms it 3 s, measures `seconds` with wrk, stops it. */
async function measure(args, bodyFile, dir, seconds) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        const m = /listening on (http:\/\/\S+)/.exec(String(chunk));
        if (m !== null) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
    });
    const script = join(dir, 'query.lua');
    writeFileSync(script, `local body = [==[${readFileSync(bodyFile, 'utf8')}]==]
local req = "POST /api/micropay/queryBill HTTP/1.1\\r\\nHost: bench\\r\\nContent-Type: application/json\\r\\nContent-Length: " .. #body .. "\\r\\n\\r\\n" .. body
function request() return req end\n`);
    const wrk = (s) => execFileSync('wrk', ['-t2', '-c100', `-d${s}s`, '--latency', '-s', script, `${url}/api/micropay/queryBill`], { encoding: 'utf8' });
    wrk(3);
    const before = cpuSeconds(child.pid);
    const out = wrk(seconds);
    const cpu = cpuSeconds(child.pid) - before;
    const requests = Number(/(\d+) requests in/.exec(out)[1]);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), p99: /\s99%\s+(\S+)/.exec(out)[1], usPerRequest: (cpu * 1e6) / requests };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

/** User + system CPU seconds of a live process, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
