import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { DestinationRefused, NotifyDestinations, parseNetworks } from '../src/notify/destinations.js';
import { TEST_MASTER_KEY } from './helpers.js';

// Which addresses may receive a merchant's notifications (notify/destinations.ts); the worker's
// refusals over real HTTP are in notifications.test.ts ("where notifications may go").
describe('notification destinations', () => {
  const strict = new NotifyDestinations([]);
  const kinds = (d: NotifyDestinations, addresses: string[]) => addresses.map((a) => {
    const problem = d.problem(a);
    return problem === null ? 'ok' : problem.includes('never') ? 'never' : 'private';
  });

  it('allows public addresses, refuses private ones unless listed, and never link-local, multicast or reserved ones', () => {
    expect(kinds(strict, ['93.184.216.34', '2606:4700::1111', '172.32.0.1', '::ffff:5db8:d822'])).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(kinds(strict, ['127.0.0.1', '127.9.9.9', '::1', '10.1.2.3', '172.31.255.255', '192.168.1.1', '100.64.1.1', 'fd00::1']))
      .toEqual(Array(8).fill('private'));
    expect(kinds(strict, ['169.254.169.254', 'fe80::1', '0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255', '240.0.0.1']))
      .toEqual(Array(8).fill('never'));
  });

  it('judges an IPv4-mapped IPv6 address, in either spelling, as the IPv4 address it carries', () => {
    expect(kinds(strict, ['::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:a00:1', '::ffff:169.254.169.254'])).toEqual(['private', 'private', 'private', 'never']);
    const lan = new NotifyDestinations(parseNetworks('10.20.0.0/16') as never);
    expect(kinds(lan, ['10.20.3.4', '::ffff:a14:304', '10.21.0.1'])).toEqual(['ok', 'ok', 'private']);
  });

  it('lets the operator open private networks, never the link-local ones', () => {
    const open = new NotifyDestinations(parseNetworks('127.0.0.0/8, fd00::/8, 169.254.0.0/16') as never);
    expect(kinds(open, ['127.0.0.1', 'fd12::1', '169.254.169.254', '10.0.0.1'])).toEqual(['ok', 'ok', 'never', 'private']);
  });

  it('refuses a name that resolves only to refused addresses, at the connection', async () => {
    const lookup = (d: NotifyDestinations, all: boolean) => new Promise<unknown>((resolve) => d.lookup('localhost', { all }, (error, address) => resolve(error ?? address)));
    const refused = await lookup(strict, false);
    expect(refused).toBeInstanceOf(DestinationRefused);
    expect((refused as Error).message).toMatch(/^the receiver's address (127\.0\.0\.1|::1) is private/);
    const loopback = new NotifyDestinations(parseNetworks('127.0.0.0/8,::1/128') as never);
    expect(await lookup(loopback, false)).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await lookup(loopback, true)).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]));
  });

  it('reads MICROPAY_NOTIFY_PRIVATE_NETWORKS, allows loopback in sandbox mode by default, and refuses what is not a network', () => {
    const env = { MICROPAY_MASTER_KEY: TEST_MASTER_KEY };
    expect(loadConfig({}, env).notifyPrivateNetworks).toEqual([]);
    expect(loadConfig({ sandbox: true }, env).notifyPrivateNetworks.map((n) => `${n.address}/${n.prefix}`)).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ sandbox: true }, { ...env, MICROPAY_NOTIFY_PRIVATE_NETWORKS: 'none' }).notifyPrivateNetworks).toEqual([]);
    expect(loadConfig({}, { ...env, MICROPAY_NOTIFY_PRIVATE_NETWORKS: '10.20.0.0/16' }).notifyPrivateNetworks).toEqual([{ address: '10.20.0.0', prefix: 16, family: 'ipv4' }]);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', 'lan', '10.0.0.0/8;rm']) {
      expect(() => loadConfig({}, { ...env, MICROPAY_NOTIFY_PRIVATE_NETWORKS: bad }), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig({}, { ...env, MICROPAY_NOTIFY_PRIVATE_NETWORKS: 'lan' })).toThrow('MICROPAY_NOTIFY_PRIVATE_NETWORKS: "lan" is not a network such as 10.20.0.0/16 or fd00::/8');
  });
});
