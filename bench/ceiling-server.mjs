#!/usr/bin/env node
/**
 * The ceiling: a bare node:http server doing the least any JSON API must do per request — read
 * the body, JSON.parse it, one SHA-256, a JSON reply. What the platform reaches is reported as a
 * ratio to what this server reaches on the same machine, generator and settings in the same run.
 *
 *   node bench/ceiling-server.mjs [port] [--busy-us N]     prints "listening on http://127.0.0.1:PORT"
 *
 * --busy-us N: spin N µs of CPU per request, a bare server as slow as a heavier one. Its tail is
 * what the same rate costs without that server's own pauses (docs/benchmarks.md, issue 18's p99).
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const busyAt = args.indexOf('--busy-us');
const busyNs = busyAt < 0 ? 0n : BigInt(Math.round(Number(args.splice(busyAt, 2)[1]) * 1000));

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (busyNs > 0n) for (const until = process.hrtime.bigint() + busyNs; process.hrtime.bigint() < until; );
    const body = JSON.parse(raw.toString('utf8'));
    const hash = createHash('sha256').update(raw).digest('hex').toUpperCase();
    const payload = JSON.stringify({ code: 0, msg: 'success', data: { mchId: body.mchId, secureHash: hash } });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(args[0] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)) && server.closeAllConnections());
process.once('SIGINT', () => server.close(() => process.exit(0)) && server.closeAllConnections());
