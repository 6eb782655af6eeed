import { ipRanges } from '../config/ip-ranges.js';

/** Which proxies' X-Forwarded-For to believe: none, the last N hops, or proxies at these addresses. */
export type TrustProxy = number | readonly string[];

/**
 * The address of the client, from the socket and X-Forwarded-For. Without a trusted proxy the
 * header is ignored: anyone can write it, so believing it would let them walk past the allowlist.
 */
export function clientIpResolver(trust: TrustProxy): (socketAddress: string | undefined, forwardedFor: string | undefined) => string | undefined {
  if (typeof trust === 'number') {
    return (socket, xff) => {
      if (trust === 0 || socket === undefined) return socket;
      const chain = [...parseForwarded(xff), socket];
      // Each trusted hop appended the address it saw; step back over them, never past the first entry.
      return chain[Math.max(0, chain.length - 1 - trust)];
    };
  }
  const trusted = ipRanges(trust);
  return (socket, xff) => {
    if (socket === undefined) return undefined;
    const chain = parseForwarded(xff);
    let client = socket;
    while (trusted(client) && chain.length > 0) client = chain.pop()!;
    return client;
  };
}

function parseForwarded(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
