#!/usr/bin/env node
/**
 * The Node load generator, used when wrk is not installed (or with --generator node). It runs in
 * its own process, like wrk, so its CPU is measured apart from the server's.
 *
 * Every request is precomputed (signed JSON bodies, written by the orchestrator to a requests
 * file), turned into raw HTTP/1.1 bytes once, and written on keep-alive sockets: one request in
 * flight per connection, the next as soon as the answer is in (closed loop, as wrk). Answers are
 * parsed only as far as needed: status line, Content-Length, the envelope's `code`.
 *
 *   node bench/load-node.mjs --targets http://127.0.0.1:8080[,http://...] --requests FILE
 *        --connections 100 --duration 10 [--rate N] [--out FILE.json] [--paid FILE]
 *
 * Requests file: one request per line, "P<TAB>path<TAB>body" (a payment) or "Q<TAB>path<TAB>body".
 * The list is consumed in order, each line at most once; when it runs out the run ends early and
 * says so (--cycle: starts over instead, for the ceiling, which does not care). --rate caps the requests per second (open-loop pacing; for the memory soak).
 * Writes a JSON summary (requests, rate, latency percentiles, answers by code) to --out and, with
 * --paid, the line numbers of payments answered code 0 (one per line) for the orchestrator's check.
 */
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string' },
    requests: { type: 'string' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string' },
    out: { type: 'string' },
    paid: { type: 'string' },
    cycle: { type: 'boolean', default: false },
  },
});

const targets = args.targets.split(',').map((t) => new URL(t));
const lines = readFileSync(args.requests, 'utf8').split('\n').filter((l) => l.length > 0);
const connections = Number(args.connections);
const durationMs = Number(args.duration) * 1000;
const rate = args.rate === undefined ? 0 : Number(args.rate);

/** Raw request bytes, built once. */
const requests = lines.map((line) => {
  const [kind, path, body] = line.split('\t');
  const bodyBytes = Buffer.from(body, 'utf8');
  const head = `POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes.length}\r\n\r\n`;
  return { pay: kind === 'P', bytes: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]) };
});
lines.length = 0;

// Latency histogram in 10 µs buckets up to 5 s; exact enough for p50/p99 of a closed loop.
const BUCKET_US = 10;
const histogram = new Uint32Array(500_000);
let maxUs = 0;
const byCode = new Map();
const byHttpStatus = new Map();
let next = 0;
let completed = 0;
let socketErrors = 0;
let exhausted = false;
const paid = [];
let started = 0;
let stopping = false;
let inFlight = 0;

function record(startNs, status, code, index) {
  const us = Number(process.hrtime.bigint() - startNs) / 1000;
  if (us > maxUs) maxUs = us;
  histogram[Math.min(histogram.length - 1, Math.floor(us / BUCKET_US))]++;
  completed++;
  byHttpStatus.set(status, (byHttpStatus.get(status) ?? 0) + 1);
  byCode.set(code, (byCode.get(code) ?? 0) + 1);
  if (code === 0 && requests[index].pay) paid.push(index);
}

/** Pacing for --rate: request n may start at started + n / rate. */
let issued = 0;
function delayBeforeNext() {
  if (rate <= 0) return 0;
  const due = started + (issued * 1000) / rate;
  return Math.max(0, due - performance.now());
}

function openConnection(target) {
  return new Promise((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let current = -1;
    let startNs = 0n;

    const send = () => {
      if (stopping || performance.now() - started >= durationMs) return finish();
      if (next >= requests.length && args.cycle) next = 0;
      if (next >= requests.length) {
        exhausted = true;
        return finish();
      }
      const wait = delayBeforeNext();
      if (wait > 0) return void setTimeout(send, wait);
      issued++;
      current = next++;
      inFlight++;
      startNs = process.hrtime.bigint();
      socket.write(requests[current].bytes);
    };
    const finish = () => {
      socket.end();
      resolve();
    };

    socket.on('connect', () => send());
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffer.toString('latin1', 0, headEnd);
        const lengthMatch = /\r\ncontent-length: *(\d+)/i.exec(head);
        const length = lengthMatch === null ? 0 : Number(lengthMatch[1]);
        if (buffer.length < headEnd + 4 + length) return;
        const body = buffer.toString('utf8', headEnd + 4, headEnd + 4 + length);
        buffer = buffer.subarray(headEnd + 4 + length);
        const status = Number(head.slice(9, 12));
        const codeMatch = /"code":(-?\d+)/.exec(body);
        inFlight--;
        record(startNs, status, codeMatch === null ? 'none' : Number(codeMatch[1]), current);
        current = -1;
        send();
      }
    });
    socket.on('error', () => {
      socketErrors++;
      if (current >= 0) inFlight--;
      resolve();
    });
    socket.on('close', () => resolve());
  });
}

function percentile(p) {
  const target = Math.ceil((p / 100) * completed);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= target) return ((i + 1) * BUCKET_US) / 1000;
  }
  return maxUs / 1000;
}

started = performance.now();
const all = [];
for (let i = 0; i < connections; i++) all.push(openConnection(targets[i % targets.length]));
// A hard stop well after the duration, so a stuck server cannot hold the generator forever.
const guard = setTimeout(() => {
  stopping = true;
  process.exitCode = 3;
  writeSummary();
  process.exit();
}, durationMs + 15_000);
await Promise.all(all);
clearTimeout(guard);
writeSummary();

function writeSummary() {
  const elapsedS = (performance.now() - started) / 1000;
  const summary = {
    generator: 'node',
    connections,
    durationS: Number(args.duration),
    elapsedS,
    requests: completed,
    requestsPerS: completed / elapsedS,
    latencyMs: { p50: percentile(50), p90: percentile(90), p99: percentile(99), max: maxUs / 1000 },
    byCode: Object.fromEntries([...byCode].map(([k, v]) => [String(k), v])),
    byHttpStatus: Object.fromEntries([...byHttpStatus].map(([k, v]) => [String(k), v])),
    socketErrors,
    unanswered: inFlight,
    exhausted,
    paidAnswered: paid.length,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(summary, null, 2));
  else process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  if (args.paid) writeFileSync(args.paid, paid.join('\n'));
}
