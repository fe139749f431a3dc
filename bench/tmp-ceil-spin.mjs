#!/usr/bin/env node
/**
 * The ceiling: a bare node:http server doing the least any JSON API must do per request — read
 * the body, JSON.parse it, one SHA-256, a JSON reply. What the platform reaches is reported as a
 * ratio to what this server reaches on the same machine, generator and settings in the same run.
 *
 *   node bench/ceiling-server.mjs [port]     prints "listening on http://127.0.0.1:PORT"
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const SPIN = BigInt(process.env.SPIN_NS ?? 0);
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks); const until = process.hrtime.bigint() + SPIN; while (process.hrtime.bigint() < until);
    const body = JSON.parse(raw.toString('utf8'));
    const hash = createHash('sha256').update(raw).digest('hex').toUpperCase();
    const payload = JSON.stringify({ code: 0, msg: 'success', data: { mchId: body.mchId, secureHash: hash } });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)) && server.closeAllConnections());
process.once('SIGINT', () => server.close(() => process.exit(0)) && server.closeAllConnections());
