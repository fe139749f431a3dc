import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** A network the operator lets receive notifications although it is private: `10.20.0.0/16`. */
export interface Network {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Why a receiver's address is refused; the attempt is recorded `not_sent` with this message. */
export class DestinationRefused extends Error {}

// Never a receiver: "this host", link-local (a cloud's metadata service is 169.254.169.254),
// multicast, reserved and broadcast.
const NEVER = blockList([['0.0.0.0', 8], ['169.254.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4]], [['::', 128], ['fe80::', 10], ['ff00::', 8]]);
// Private: the server's own loopback, the LAN, carrier-grade NAT, IPv6's unique local addresses.
const PRIVATE = blockList([['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]], [['::1', 128], ['fc00::', 7]]);

/**
 * Where the platform may post a merchant's notifications. The notify URL is the merchant's to set,
 * so without a rule a merchant could have the platform post to services that only the platform's
 * own network reaches (its loopback, the LAN, a cloud's metadata address) and read their answers
 * in the console. A receiver must be on a public address, or in a private network the operator
 * names (MICROPAY_NOTIFY_PRIVATE_NETWORKS: a closed-loop platform's merchants often sit on its
 * LAN). The rule is applied to the address connected to, after DNS: a name that resolves, or
 * resolves again, to a refused address is refused too.
 */
export class NotifyDestinations {
  readonly #allowed = new BlockList();

  constructor(allowed: readonly Network[]) {
    for (const n of allowed) this.#allowed.addSubnet(n.address, n.prefix, n.family);
  }

  /** Null when `address` (an IP address) may receive notifications, else why not. */
  problem(address: string): string | null {
    const [ip, family] = unmapped(address);
    if (NEVER.check(ip, family)) return `the receiver's address ${address} is link-local, multicast or reserved: never a notification receiver`;
    if (PRIVATE.check(ip, family) && !this.#allowed.check(ip, family)) {
      return `the receiver's address ${address} is private (loopback or a local network); the operator allows such networks with MICROPAY_NOTIFY_PRIVATE_NETWORKS`;
    }
    return null;
  }

  /** The URL's host when it is an IP address that may not receive (no DNS lookup is made for one). */
  literalProblem(url: string): string | null {
    // A URL that does not parse is fetch's to refuse, with its own reason.
    const host = URL.canParse(url) ? new URL(url).hostname.replace(/^\[(.*)\]$/, '$1') : '';
    return isIP(host) === 0 ? null : this.problem(host);
  }

  /** A DNS lookup for the connection that keeps only the addresses that may receive. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, options.all === true ? [] : '');
      const usable = found.filter((a) => this.problem(a.address) === null);
      if (usable.length === 0) {
        const why = found.length === 0 ? `${hostname} has no address` : this.problem(found[0]!.address)!;
        return callback(new DestinationRefused(why), options.all === true ? [] : '');
      }
      if (options.all === true) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, which a URL writes `::ffff:a00:1`) reaches the
 * IPv4 address it carries, so it is judged as that address.
 */
function unmapped(address: string): [string, 'ipv4' | 'ipv6'] {
  if (isIP(address) !== 6) return [address, 'ipv4'];
  const words = ipv6Words(address);
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  return mapped ? [`${words[6]! >> 8}.${words[6]! & 255}.${words[7]! >> 8}.${words[7]! & 255}`, 'ipv4'] : [address, 'ipv6'];
}

/** The eight 16-bit words of a valid IPv6 address, `::` and a dotted IPv4 tail expanded. */
function ipv6Words(address: string): number[] {
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = dotted === null ? address : `${dotted[1]}${((+dotted[2]! << 8) | +dotted[3]!).toString(16)}:${((+dotted[4]! << 8) | +dotted[5]!).toString(16)}`;
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const part = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  if (tail === null) return part(head);
  const [h, t] = [part(head), part(tail)];
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

function blockList(v4: readonly [string, number][], v6: readonly [string, number][]): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of v4) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of v6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

/** `10.20.0.0/16,::1/128` as networks; a string saying what is wrong when it is not. */
export function parseNetworks(text: string): Network[] | string {
  const networks: Network[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^([^/]+)\/(\d{1,3})$/.exec(item);
    const kind = match === null ? 0 : isIP(match[1]!);
    const prefix = match === null ? NaN : Number(match[2]);
    if (kind === 0 || prefix > (kind === 4 ? 32 : 128)) return `"${item.slice(0, 60)}" is not a network such as 10.20.0.0/16 or fd00::/8`;
    networks.push({ address: match![1]!, prefix, family: kind === 4 ? 'ipv4' : 'ipv6' });
  }
  return networks;
}

/**
 * What to tell whoever sets a notify URL that this platform will refuse to post to as it is
 * configured: its host is an IP address (or `localhost`) that may not receive. The URL is still
 * accepted (the operator may allow its network later); null when nothing is known to be wrong.
 * A name is only checked when a delivery resolves it.
 */
export function notifyUrlWarning(url: string | null, allowed: readonly Network[]): string | null {
  if (url === null || !URL.canParse(url)) return null;
  const host = new URL(url).hostname.replace(/\.$/, '');
  const destinations = new NotifyDestinations(allowed);
  // localhost is the loopback of either family: refused only when neither may receive.
  const loopback = [destinations.problem('127.0.0.1'), destinations.problem('::1')];
  const problem = host === 'localhost' || host.endsWith('.localhost') ? (loopback.includes(null) ? null : loopback[0]!) : destinations.literalProblem(url);
  return problem === null ? null : `notifications to ${url} will not be delivered: ${problem}`;
}
