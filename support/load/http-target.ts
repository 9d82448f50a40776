import { Pool } from 'undici';
import type { Result, Target } from './generator.ts';

// Raw HTTP mode: the generator's hot path straight onto an undici Pool, for benchmarks and for systems
// that are just an endpoint. One pool connection per concurrent operation, keep-alive, no pipelining —
// what autocannon and wrk do by default, so their figures compare.

export interface HttpTargetOptions {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:8080/convert. */
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Request body; a function receives the operation id (to embed a request id). */
  body?: string | ((id: string) => string);
  headers?: Record<string, string>;
  /** Header that carries the operation id, so the server's records can be joined to the history. */
  idHeader?: string;
  /** Pool size: match the closed loop's clients or the open loop's maxInFlight. */
  connections: number;
  /** The run's operation timeout (the generator enforces it; the pool keeps a looser backstop). */
  timeoutMs: number;
  kind?: string;
  /** Prefix of generated operation ids (default: the kind). */
  idPrefix?: string;
}

export interface HttpTarget extends Target {
  close(): Promise<void>;
}

// Errors raised before the request could reach the server: it certainly had no effect.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A timeout or a connection lost mid-request is unknown (the server may have acted); a refusal is fail. */
export function classifyHttpError(error: unknown): Result {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const text = typeof code === 'string' ? `${code}: ${message}` : message;
  if (typeof code === 'string' && NOT_SENT.has(code)) return { outcome: 'fail', attempts: [], error: text };
  if (typeof code === 'string' && TIMEOUT.has(code))
    return { outcome: 'unknown', attempts: [], error: `timeout: ${text}` };
  return { outcome: 'unknown', attempts: [], error: text };
}

export function httpTarget(options: HttpTargetOptions): HttpTarget {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    // The generator aborts an operation at its timeout; these coarse undici timers are only a backstop.
    headersTimeout: 2 * options.timeoutMs + 1_000,
    bodyTimeout: 2 * options.timeoutMs + 1_000,
    connectTimeout: options.timeoutMs,
  });
  const path = `${url.pathname}${url.search}`;
  const method = options.method ?? 'GET';
  const kind = options.kind ?? `${method} ${url.pathname}`;
  const prefix = options.idPrefix ?? kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const { body, idHeader } = options;
  const baseHeaders = options.headers ?? {};
  return {
    kind,
    id: (index) => `${prefix}-${index}`,
    async invoke({ id, signal }) {
      try {
        const headers = idHeader ? { ...baseHeaders, [idHeader]: id } : baseHeaders;
        const response = await pool.request({
          path,
          method,
          headers,
          body: typeof body === 'function' ? body(id) : body,
          signal,
        });
        // The latency of an operation ends with its last byte, as wrk and autocannon measure it.
        await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
        if (response.body.errored) return classifyHttpError(response.body.errored);
        const status = response.statusCode;
        return { outcome: status < 400 ? 'ok' : 'fail', status, attempts: [] };
      } catch (error) {
        return classifyHttpError(error);
      }
    },
    close: () => pool.destroy(),
  };
}
