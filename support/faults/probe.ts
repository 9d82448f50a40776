import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Endpoint, ProbeKind } from '../system/topology.ts';

// A fault proves it took effect by a request that gets an immediate reply from a healthy service and none
// through the faulted link. One tiny protocol-correct request per kind of service:
const REQUESTS: Record<Exclude<ProbeKind, 'tls'>, Buffer> = {
  http: Buffer.from('GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n'),
  redis: Buffer.from('PING\r\n'),
  // SSLRequest: postgres answers it with a single byte ('S' or 'N') before any authentication.
  postgres: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
};

export interface ProbeResult {
  replied: boolean;
  /** How long until the first reply byte, or until we gave up. */
  ms: number;
  detail: string;
}

export function probe(kind: ProbeKind, endpoint: Endpoint, timeoutMs: number): Promise<ProbeResult> {
  if (kind === 'tls') return probeTls(endpoint, timeoutMs);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(endpoint.port, endpoint.host);
    const done = (replied: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ replied, ms: Math.round(performance.now() - started), detail });
    };
    const timer = setTimeout(() => done(false, `no reply within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => socket.write(REQUESTS[kind]));
    socket.once('data', () => done(true, 'replied'));
    socket.once('error', (error) => done(false, `connection error: ${error.message}`));
    socket.once('close', () => done(false, 'closed without a reply'));
  });
}

/** A TLS listener answers a ClientHello with its ServerHello: a completed handshake means it replied. */
function probeTls(endpoint: Endpoint, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Only whether the peer speaks is probed here, not who it is: verification is the system's own job.
    const socket = connectTls({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: false });
    const done = (replied: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ replied, ms: Math.round(performance.now() - started), detail });
    };
    const timer = setTimeout(() => done(false, `no TLS handshake within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => done(true, 'completed a TLS handshake'));
    socket.once('error', (error) => done(false, `TLS error: ${error.message}`));
    socket.once('close', () => done(false, 'closed without a reply'));
  });
}

/**
 * Many small protocol requests in one write, the last asking the server to close: the replies form a stream
 * long enough to time (a bandwidth limit), to count (a cut after N bytes), to see in pieces (a slicer) and
 * to see end (a slow close). Only protocols that answer a request per request qualify (an HTTP server
 * answers pipelined requests in order, Redis a PING each); a TLS or Postgres link cannot be probed this way
 * without speaking its whole handshake.
 */
const STREAMS: Partial<Record<ProbeKind, Buffer>> = {
  http: Buffer.from(
    `${'GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n'.repeat(99)}GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n`,
  ),
  redis: Buffer.from(`${'PING\r\n'.repeat(2_000)}QUIT\r\n`),
};

export interface Transfer {
  /** Bytes of replies received, and over how long (first byte to last). */
  bytes: number;
  ms: number;
  /** Rate after the first read (its bytes may have been sent before any pacing began). */
  bytesPerMs: number;
  /** How many reads it took, and the median read's size. */
  reads: number;
  medianRead: number;
  /** How long after the last byte the server's close arrived; undefined if it did not within the time. */
  closeMs?: number;
}

/** Sends a stream of requests and reads the replies until the connection closes or `timeoutMs` passes. */
export function transfer(
  kind: ProbeKind,
  endpoint: Endpoint,
  timeoutMs: number,
): Promise<Transfer | undefined> {
  const requests = STREAMS[kind];
  if (!requests) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = connect(endpoint.port, endpoint.host);
    const sizes: number[] = [];
    let first: { at: number; bytes: number } | undefined;
    let last = 0;
    let bytes = 0;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const ms = first ? Math.max(1, Math.round(last - first.at)) : 0;
      const counted = first ? bytes - first.bytes : 0;
      const sorted = [...sizes].sort((x, y) => x - y);
      resolve({
        bytes,
        ms,
        bytesPerMs: first && counted > 0 ? counted / ms : 0,
        reads: sizes.length,
        medianRead: sorted[Math.floor(sorted.length / 2)] ?? 0,
        ...(closed && first ? { closeMs: Math.round(performance.now() - (first ? last : 0)) } : {}),
      });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write(requests));
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (!first) first = { at: now, bytes: chunk.length };
      last = now;
      bytes += chunk.length;
      sizes.push(chunk.length);
    });
    socket.once('error', () => done(true));
    socket.once('close', () => done(true));
  });
}
