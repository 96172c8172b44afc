import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a client address belongs to, for the velocity fraud check: its /24 for IPv4, its
 * /64 for IPv6 (one household or office usually holds one of each). Only a salted hash of it is
 * stored, like the visitor key: the network itself never reaches the database.
 */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1] : ip;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

/** The eight groups of an IPv6 address, `::` expanded (a trailing dotted IPv4 part counts as two). */
function expandIPv6(address: string): string[] {
  const [head, tail = ''] = address.toLowerCase().split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g])) : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const fill = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}

function ipv4Groups(dotted: string): string[] {
  const [a, b, c, d] = dotted.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/** A salted hash of the client's network, keyed like visitorKey (same daily salt, same contest). */
export function networkKey(salt: string, contestId: string, ip: string): string {
  return createHash('sha256').update(`${salt}\0${contestId}\0net\0${networkOf(ip)}`).digest('hex').slice(0, 32);
}
