import { request } from 'undici';
import type { Environment } from '../../env/environment.ts';
import { type PathStep, readJsonPath } from '../json-path.ts';
import type { ProbeValue } from '../tolerance.ts';

// An HTTP probe asks the service itself (its direct endpoint, never through the fault proxy: the probe
// watches the service, it is not one of its clients) and reads the status, the latency or one JSON value.

export type HttpRead =
  | { what: 'status' }
  | { what: 'latency' }
  | { what: 'json'; path: PathStep[]; text: string };

export interface HttpProbe {
  kind: 'http';
  method: 'GET' | 'HEAD';
  path: string;
  read: HttpRead;
}

export async function readHttp(
  env: Environment,
  service: string,
  p: HttpProbe,
  timeoutMs: number,
): Promise<ProbeValue> {
  const { host, port } = env.endpoint(service);
  const started = performance.now();
  const response = await request(`http://${host}:${port}${p.path}`, {
    method: p.method,
    signal: AbortSignal.timeout(timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = await response.body.text();
  const latency = Math.round((performance.now() - started) * 10) / 10;
  if (p.read.what === 'status') return response.statusCode;
  if (p.read.what === 'latency') return latency;
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new Error(
      `${p.method} ${p.path} answered ${response.statusCode} with a body that is not JSON: ${body.slice(0, 80)}`,
    );
  }
  const value = readJsonPath(document, p.read.path, p.read.text);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}
