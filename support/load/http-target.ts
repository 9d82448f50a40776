import { type Dispatcher, Pool } from 'undici';
import { now } from './clock.ts';
import type { Result, Target } from './generator.ts';

// Raw HTTP mode: the generator's hot path straight onto an undici Pool's dispatch API — no response
// stream, no promise per body — for benchmarks and for systems that are just an endpoint. One pool
// connection per concurrent operation, keep-alive, no pipelining: what autocannon and wrk do by default,
// so their figures compare.

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
  /** The run's operation timeout: bounds connecting; the generator enforces it for the whole exchange. */
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

class GivenUp extends Error {
  override name = 'AbortError';
}

/** One request/response exchange: reads the response to its last byte, then settles. */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private sentAt: number | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private cancelled = false;
  private readonly settle: (result: Result) => void;

  constructor(settle: (result: Result) => void) {
    this.settle = settle;
  }

  /** The generator gave up on it (timeout, stop): free the connection. */
  cancel = (): void => {
    this.cancelled = true;
    this.controller?.abort(new GivenUp('operation given up by the load generator'));
  };

  // Called as undici writes the request (again, if it reconnects): the last one is when it was sent.
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.sentAt = now();
    this.controller = controller;
    if (this.cancelled) controller.abort(new GivenUp('operation given up by the load generator'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  // The latency of an operation ends with its last byte, as wrk and autocannon measure it.
  onResponseData(): void {}

  onResponseEnd(): void {
    const status = this.status;
    const result: Result = { outcome: status < 400 ? 'ok' : 'fail', status, attempts: [] };
    if (this.sentAt !== undefined) result.sentAt = this.sentAt;
    this.settle(result);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const result = classifyHttpError(error);
    if (this.sentAt !== undefined) result.sentAt = this.sentAt;
    this.settle(result);
  }
}

export function httpTarget(options: HttpTargetOptions): HttpTarget {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    // The generator gives up on an operation at its timeout and aborts it; undici's own per-request
    // timers would only add a timer refresh to every request (and tick at half a second anyway).
    headersTimeout: 0,
    bodyTimeout: 0,
    connectTimeout: options.timeoutMs,
  });
  const path = `${url.pathname}${url.search}`;
  const method = options.method ?? 'GET';
  const kind = options.kind ?? `${method} ${url.pathname}`;
  const prefix = options.idPrefix ?? kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const { body, idHeader } = options;
  const baseHeaders = options.headers;
  // Without a per-operation body or header, one options object serves every request.
  const shared: Dispatcher.DispatchOptions | undefined =
    typeof body === 'function' || idHeader
      ? undefined
      : { origin: url.origin, path, method, headers: baseHeaders, body };
  const optionsFor = (id: string): Dispatcher.DispatchOptions =>
    shared ?? {
      origin: url.origin,
      path,
      method,
      headers: idHeader ? { ...baseHeaders, [idHeader]: id } : baseHeaders,
      body: typeof body === 'function' ? body(id) : body,
    };
  return {
    kind,
    id: (index) => `${prefix}-${index}`,
    invoke(call) {
      return new Promise<Result>((settle) => {
        const exchange = new Exchange(settle);
        call.onCancel(exchange.cancel);
        pool.dispatch(optionsFor(call.id), exchange);
      });
    },
    close: () => pool.destroy(),
  };
}
