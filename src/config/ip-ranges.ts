import { BlockList, isIP } from 'node:net';

/** "::ffff:1.2.3.4" is how an IPv4 client looks on a dual-stack socket: compare it as 1.2.3.4. */
function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/** Why `text` is not an address or CIDR range, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const [address = '', prefix, ...rest] = text.trim().split('/');
  const family = isIP(normalizeIp(address));
  if (family === 0 || rest.length > 0) return `"${text}" is not an IP address or CIDR range (like 18.140.80.2 or 10.0.0.0/8)`;
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > max) return `"${text}": the part after / must be a number from 0 to ${max}`;
  return undefined;
}

/** A test "is this address in one of these ranges?" built once from a list of addresses/CIDRs. */
export function ipRanges(list: readonly string[]): (ip: string) => boolean {
  const blocks = new BlockList();
  for (const text of list) {
    const problem = cidrProblem(text);
    if (problem) throw new Error(problem);
    const [raw = '', prefix] = text.trim().split('/');
    const address = normalizeIp(raw);
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, Number(prefix), type);
  }
  return (ip) => {
    const address = normalizeIp(ip);
    const family = isIP(address);
    return family !== 0 && blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
