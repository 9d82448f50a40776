import { connect } from 'node:net';
import type { Endpoint, ProbeKind } from '../env/topology.ts';

// A fault proves it took effect by a request that gets an immediate reply from a healthy service and none
// through the faulted link. One tiny protocol-correct request per kind of service:
const REQUESTS: Record<ProbeKind, Buffer> = {
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
