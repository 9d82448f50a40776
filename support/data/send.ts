import { Agent, request } from 'undici';
import type { Endpoint } from '../system/topology.ts';
import type { MalformedRequest } from './mutators.ts';

// Sends malformed requests like a client outside the system (straight to the service) and records what
// came back. A service may answer an oversized body before it has read it (413 at the headers): undici then
// stops sending and still hands over the answer, so the runner never pushes more than the socket buffers.

/** How a malformed request ended, as the verdicts judge it. */
export type MalformedOutcome = 'rejected' | 'accepted' | 'server error' | 'timeout' | 'no answer';

export interface MalformedAnswer {
  family: MalformedRequest['family'];
  description: string;
  id: string;
  service: string;
  bytes: number;
  sentAt: number;
  answeredAt: number;
  outcome: MalformedOutcome;
  status?: number;
  /** The start of the service's answer (its error message, when it gives one). */
  answer?: string;
  error?: string;
}

const agent = new Agent({ keepAliveTimeout: 4_000, connections: 64 });

export function outcomeOf(status: number): MalformedOutcome {
  if (status >= 400 && status < 500) return 'rejected';
  if (status >= 500) return 'server error';
  return 'accepted';
}

export async function sendMalformed(
  endpoint: Endpoint,
  malformed: MalformedRequest,
  timeoutMs: number,
): Promise<MalformedAnswer> {
  const base = {
    family: malformed.family,
    description: malformed.description,
    id: malformed.id,
    service: malformed.service,
    bytes: malformed.length,
  };
  const sentAt = Date.now();
  try {
    const response = await request(`http://${endpoint.host}:${endpoint.port}${malformed.path}`, {
      dispatcher: agent,
      method: malformed.method as 'POST',
      headers: { ...malformed.headers, 'content-length': String(malformed.length) },
      body: malformed.body(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text().catch(() => '');
    return {
      ...base,
      sentAt,
      answeredAt: Date.now(),
      outcome: outcomeOf(response.statusCode),
      status: response.statusCode,
      answer: text.slice(0, 200),
    };
  } catch (error) {
    const timedOut =
      (error as Error).name === 'TimeoutError' ||
      (error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
    return {
      ...base,
      sentAt,
      answeredAt: Date.now(),
      outcome: timedOut ? 'timeout' : 'no answer',
      error: timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message,
    };
  }
}
