import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { acceptMorePerTurn } from '../src/http/accept-copies.js';
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
    socket.once('error', reject);
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

  it('takes a burst of new connections 16 in one turn, serves every one, and stops accepting on close', async () => {
    p = await startTestPlatform();
    const port = portOf(p.url);
    let accepted = 0;
    p.server.on('connection', () => accepted++);
    // 40 connections complete in the kernel while this process is busy, so they wait to be accepted.
    const asks = Array.from({ length: 40 }, () => askOnNewConnection(port));
    const firstTurn = await new Promise<number>((resolve) => {
      setImmediate(() => {
        for (const until = Date.now() + 200; Date.now() < until; ); // busy: no turn runs
        // The next turn's poll phase accepts; its check phase (this setImmediate) counts them.
        setImmediate(() => resolve(accepted));
      });
    });
    expect(firstTurn).toBe(16);
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

  it('leaves the server as it is, with a warning, when the socket cannot be copied', async () => {
    const lines: string[] = [];
    const notListening = createServer();
    expect(await acceptMorePerTurn(notListening, 16, createLogger('info', (line) => void lines.push(line)))).toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string })).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'the listening socket could not be copied: one new connection is accepted per turn' }),
    ]);
    expect(await acceptMorePerTurn(notListening, 1, createLogger('info', (line) => void lines.push(line)))).toEqual([]);
    expect(lines).toHaveLength(1);
  });
});
