import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { acceptMorePerTurn } from '../src/http/accept-copies.js';
import { HttpDrain } from '../src/http/drain.js';
import { createLogger } from '../src/log.js';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * More accepts per event-loop turn (http/accept-copies.ts, docs/operations.md "Bursts of new
 * connections"): the API's listening socket is polled through several descriptors, each accepting
 * one connection a turn, and every connection is served by the one HTTP server and drained by it.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** How many of this process's descriptors are the socket listening on `port` (Linux's /proc). */
function listeningDescriptors(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // Local address, state 0A (LISTEN), inode.
      if (f[1]?.endsWith(hexPort) && f[3] === '0A') inodes.add(`socket:[${f[9]}]`);
    }
  }
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return inodes.has(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false; // closed since it was listed
    }
  }).length;
}

/** This process's child processes still running the socket copier (Linux's /proc). */
function copiersRunning(): number {
  const children = readdirSync('/proc/self/task').flatMap((task) => readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean));
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('socket-copier');
    } catch {
      return false; // ended since it was listed
    }
  }).length;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** One request on its own connection; the answer's status line, and the socket left open. */
function askOnNewConnection(port: number): { socket: Socket; status: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
  const status = new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1').split('\r\n')[0]!));
    // A reset when the server stops is expected: only one before the answer counts.
    socket.on('error', reject);
  });
  return { socket, status };
}

describe('accepts per turn', () => {
  it('is 16 unless MICROPAY_ACCEPTS_PER_TURN says otherwise, from 1 to 64', () => {
    expect(loadConfig({}, {}).acceptsPerTurn).toBe(16);
    expect(loadConfig({}, { MICROPAY_ACCEPTS_PER_TURN: '1' }).acceptsPerTurn).toBe(1);
    expect(() => loadConfig({}, { MICROPAY_ACCEPTS_PER_TURN: '0' })).toThrow('MICROPAY_ACCEPTS_PER_TURN');
    expect(() => loadConfig({}, { MICROPAY_ACCEPTS_PER_TURN: '65' })).toThrow('MICROPAY_ACCEPTS_PER_TURN');
  });

  it.runIf(process.platform === 'linux')('polls the listening socket through that many descriptors, and through one with 1; the copier does not stay', async () => {
    p = await startTestPlatform({ MICROPAY_ACCEPTS_PER_TURN: '5' });
    expect(listeningDescriptors(portOf(p.url))).toBe(5);
    await expect.poll(copiersRunning, { timeout: 5_000 }).toBe(0);
    await p.stop();
    p = await startTestPlatform({ MICROPAY_ACCEPTS_PER_TURN: '1' });
    expect(listeningDescriptors(portOf(p.url))).toBe(1);
  });

  it('takes a burst of new connections at least 16 in one turn, serves every one, and stops accepting on close', async () => {
    p = await startTestPlatform({ MICROPAY_ACCEPTS_PER_TURN: '16' });
    const port = portOf(p.url);
    let accepted = 0;
    let byCopies = 0;
    // First among the listeners: node:http then makes itself the socket's server.
    p.server.prependListener('connection', (socket: Socket & { server?: unknown }) => {
      accepted++;
      if (socket.server !== p!.server) byCopies++;
    });
    // 40 connections complete in the kernel while this process is busy, so they wait to be accepted.
    const asks = Array.from({ length: 40 }, () => askOnNewConnection(port));
    const firstTurn = await new Promise<number>((resolve) => {
      setImmediate(() => {
        const before = accepted;
        for (const until = Date.now() + 200; Date.now() < until; ); // busy: no turn runs
        // The next turn's poll phase accepts; its check phase (this setImmediate) counts them.
        setImmediate(() => resolve(accepted - before));
      });
    });
    // Node.js 20 with libuv 1.45 or later accepts one a turn per descriptor (one alone: 1).
    expect(firstTurn).toBeGreaterThanOrEqual(16);
    expect(byCopies).toBeGreaterThan(0);
    expect(await Promise.all(asks.map((a) => a.status))).toEqual(Array(40).fill('HTTP/1.1 200 OK'));
    expect(accepted).toBe(40);
    // The drain closes the idle connections, whichever descriptor accepted them, and every copy.
    await p.close();
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve('connected'));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    for (const a of asks) a.socket.destroy();
  });

  it('does nothing for 1, and warns for a server that is not listening', async () => {
    const lines: string[] = [];
    const notListening = createServer();
    expect(await acceptMorePerTurn(notListening, 1, createLogger('info', (line) => void lines.push(line)))).toEqual([]);
    expect(lines).toEqual([]);
    expect(await acceptMorePerTurn(notListening, 16, createLogger('info', (line) => void lines.push(line)))).toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string })).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'the listening socket could not be copied: one new connection is accepted per turn' }),
    ]);
  });

  it('the drain stops the listeners it includes with the server, and ends when their connections have closed', async () => {
    const server = createServer();
    const other = createNetServer(); // holds its connections itself, as a copy's listener does
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const held = new Promise<Socket>((resolve) => other.once('connection', resolve));
    const client = connect((other.address() as AddressInfo).port, '127.0.0.1');
    const accepted = await held;
    const drain = new HttpDrain(server);
    drain.include([other]);
    let ended = false;
    const closing = drain.close().then(() => void (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.listening).toBe(false);
    expect(ended).toBe(false); // the included listener's connection is still open
    accepted.destroy();
    client.destroy();
    await closing;
    expect(ended).toBe(true);
  });

  describe('when the socket cannot be copied', () => {
    const copiers = {
      'ends at once': 'process.exit(3);',
      'sends one copy of two, then ends': "process.on('message', (n, h) => process.send(0, h, () => process.exit(0)));",
      'never answers': "process.on('message', () => {});",
    };
    for (const [what, source] of Object.entries(copiers)) {
      it(`leaves the server as it was, with a warning and no descriptor left over, if the copier ${what}`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'micropay-copier-'));
        const script = pathToFileURL(join(dir, 'copier.mjs'));
        writeFileSync(script, source);
        const server = createServer((_req, res) => res.end('ok'));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as AddressInfo).port;
        const lines: string[] = [];
        try {
          const copies = await acceptMorePerTurn(server, 3, createLogger('info', (line) => void lines.push(line)), { script, timeoutMs: 1_000 });
          expect(copies).toEqual([]);
          expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['the listening socket could not be copied: one new connection is accepted per turn']);
          if (process.platform === 'linux') expect(listeningDescriptors(port)).toBe(1);
          expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
        } finally {
          server.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
