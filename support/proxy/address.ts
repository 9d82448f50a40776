// Listen and upstream addresses are "host:port" strings, parsed with Go's rules so that the same inputs are
// accepted and rejected with the same messages (clients and Toxiproxy's own tests compare them).

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export class AddressError extends Error {}

export interface HostPort {
  host: string;
  port: number;
}

/** Go's net.SplitHostPort: the port is after the last colon; IPv6 hosts are bracketed. */
export function splitHostPort(address: string): { host: string; port: string } {
  const fail = (why: string): never => {
    throw new AddressError(`address ${address}: ${why}`);
  };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return fail('missing port in address');
  let host: string;
  let openAfter = 0;
  let closeAfter = 0;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === address.length) return fail('missing port in address');
    if (end + 1 !== colon) {
      return fail(address[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    }
    host = address.slice(1, end);
    openAfter = 1;
    closeAfter = end + 1;
  } else {
    host = address.slice(0, colon);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (address.indexOf('[', openAfter) >= 0) return fail("unexpected '[' in address");
  if (address.indexOf(']', closeAfter) >= 0) return fail("unexpected ']' in address");
  return { host, port: address.slice(colon + 1) };
}

function parsePort(address: string, port: string): number {
  if (port === '') return 0;
  if (!/^[0-9]+$/.test(port)) throw new AddressError(`lookup tcp/${port}: unknown port`);
  const value = Number(port);
  if (value > 65535) throw new AddressError(`address ${address}: invalid port`);
  return value;
}

/** "ip:port", bracketing IPv6. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The wildcard: an empty host binds every interface (dual-stack where available). */
export const ANY_HOST = '';

/**
 * Resolve a listen address to the IP and port a bind would use. Hostnames prefer IPv4 (Go listens on one
 * address of a name, preferring IPv4: `localhost:0` must become 127.0.0.1, not ::1).
 */
export async function resolveListen(address: string): Promise<HostPort> {
  // Go listens on every interface and a free port for an empty address.
  if (address === '') return { host: ANY_HOST, port: 0 };
  const { host, port } = splitHostPort(address);
  const portNumber = parsePort(address, port);
  if (host === '' || isIP(host) !== 0) return { host, port: portNumber };
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw new AddressError(`lookup ${host}: no such host`);
  }
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (chosen === undefined) throw new AddressError(`lookup ${host}: no such host`);
  return { host: chosen.address, port: portNumber };
}

/** The text a resolved listen address is compared with (and reported as, for the wildcard). */
export function listenText({ host, port }: HostPort): string {
  return host === ANY_HOST ? `[::]:${port}` : formatHostPort(host, port);
}

/** Upstream addresses are dialled per connection; only the syntax is checked up front. */
export function parseUpstream(address: string): HostPort {
  const { host, port } = splitHostPort(address);
  return { host: host === '' ? 'localhost' : host, port: parsePort(address, port) };
}

const syscallText: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAFNOSUPPORT: 'address family not supported by protocol',
};

/** Go's wording for a failed bind: "listen tcp 127.0.0.1:3310: bind: address already in use". */
export function bindErrorText(address: HostPort, error: NodeJS.ErrnoException): string {
  const where = address.host === ANY_HOST ? `:${address.port}` : formatHostPort(address.host, address.port);
  const why = (error.code && syscallText[error.code]) ?? error.message;
  return `listen tcp ${where}: bind: ${why}`;
}
