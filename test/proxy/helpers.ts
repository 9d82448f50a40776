// Test harness for the fault proxy: a server on an ephemeral port, a tiny JSON API client, upstream
// servers (echo, collectors) and client sockets with the reads the contract tests need. Everything a test
// starts is registered for clean-up so no socket or server outlives its test.

import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after } from 'node:test';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export class ApiClient {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await fetch(this.url + path, init);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  get<T = unknown>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T = unknown>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = unknown>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Create a proxy and return its JSON; fails the test on a non-201. */
  async createProxy(
    name: string,
    upstream: string,
    listen = '127.0.0.1:0',
    enabled = true,
  ): Promise<ProxyJson> {
    const response = await this.post<ProxyJson>('/proxies', { name, listen, upstream, enabled });
    if (response.status !== 201) throw new Error(`create ${name}: ${response.status} ${response.text}`);
    return response.body;
  }

  async addToxic(proxy: string, toxic: Record<string, unknown>): Promise<ToxicJson> {
    const response = await this.post<ToxicJson>(`/proxies/${proxy}/toxics`, toxic);
    if (response.status !== 200) throw new Error(`add toxic: ${response.status} ${response.text}`);
    return response.body;
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    const response = await this.delete(`/proxies/${proxy}/toxics/${toxic}`);
    if (response.status !== 204) throw new Error(`remove toxic: ${response.status} ${response.text}`);
  }

  async clear(): Promise<void> {
    const { body } = await this.get<Record<string, ProxyJson>>('/proxies');
    for (const name of Object.keys(body)) await this.delete(`/proxies/${name}`);
  }
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ToxicJson {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, number>;
}

export async function startServer(
  options: Parameters<typeof startProxyServer>[0] = {},
): Promise<{ server: RunningProxyServer; api: ApiClient }> {
  const server = await startProxyServer({ port: 0, seed: 1, ...options });
  onCleanup(() => server.close());
  return { server, api: new ApiClient(server.url) };
}

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** A TCP server on 127.0.0.1:0 whose sockets are all destroyed at clean-up. */
export async function tcpServer(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export function echoServer() {
  return tcpServer((socket) => socket.pipe(socket));
}

/** An upstream that hands each accepted socket to the test. */
export async function acceptingServer(): Promise<{ port: number; accepted: () => Promise<Socket> }> {
  const waiting: ((socket: Socket) => void)[] = [];
  const queued: Socket[] = [];
  const { port } = await tcpServer((socket) => {
    const resolve = waiting.shift();
    if (resolve) resolve(socket);
    else queued.push(socket);
  });
  return {
    port,
    accepted: () => {
      const socket = queued.shift();
      return socket ? Promise.resolve(socket) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

export async function connectTo(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true, allowHalfOpen: true });
  socket.on('error', () => {});
  onCleanup(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  return socket;
}

/** Connection attempt outcome, for "refused" checks. */
export function tryConnect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Read exactly n bytes (rejects on close before). */
export function readBytes(socket: Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(new Error(`timed out after ${size}/${n} bytes`)), timeoutMs);
    const onData = (data: Buffer) => {
      parts.push(data);
      size += data.length;
      if (size >= n) {
        const all = Buffer.concat(parts);
        finish(undefined, all.subarray(0, n));
        // Only after our listener is gone: unshift on a flowing stream re-emits 'data' synchronously.
        if (size > n) socket.unshift(all.subarray(n));
      }
    };
    const onClose = () => finish(new Error(`closed after ${size}/${n} bytes`));
    const finish = (error?: Error, data?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.pause();
      if (error) reject(error);
      else resolve(data!);
    };
    socket.on('data', onData);
    socket.once('end', onClose);
    socket.once('close', onClose);
    socket.resume();
  });
}

export interface StreamEnd {
  data: Buffer;
  /** 'end' = FIN received, or the error code (ECONNRESET) if the stream errored. */
  how: string;
  at: number;
}

/** Read until the peer closes; reports how the stream ended. */
export function readToEnd(socket: Socket, timeoutMs = 5000): Promise<StreamEnd> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let errorCode: string | undefined;
    const timer = setTimeout(() => reject(new Error('stream did not end in time')), timeoutMs);
    socket.on('data', (data: Buffer) => parts.push(data));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      errorCode ??= error.code ?? error.message;
    });
    const done = () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(parts), how: errorCode ?? 'end', at: performance.now() });
    };
    // A paused stream with nothing buffered emits 'end' without being read: it may be over already.
    if (socket.readableEnded || socket.destroyed) return done();
    socket.once('end', done);
    socket.once('close', done);
    socket.resume();
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `check` holds, or fail after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  what = 'condition',
) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await sleep(5);
  }
  throw new Error(`${what} did not hold within ${timeoutMs} ms`);
}

/** One request/response round trip over an echo connection; returns ms. */
export async function echoRoundTrip(socket: Socket, message: Buffer): Promise<number> {
  const started = performance.now();
  socket.write(message);
  const back = await readBytes(socket, message.length);
  if (!back.equals(message)) throw new Error('echo came back different');
  return performance.now() - started;
}

export function pattern(size: number, seed = 0): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return data;
}

/** A port that was free a moment ago (for tests that must name a concrete port, like upstream's 3310). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A measured time outside its tolerance (as opposed to wrong data, which is never retried). */
export class TimingError extends Error {}

/** Assert a measured duration against upstream's tolerance. */
export function within(actual: number, expected: number, tolerance: number, what: string): void {
  if (Math.abs(actual - expected) > tolerance) {
    throw new TimingError(`${what}: ${actual.toFixed(1)} ms, expected ${expected} ± ${tolerance} ms`);
  }
}

/**
 * Run a timing-sensitive check, measuring again (up to 3 times) only when a TimingError says a duration was
 * out of tolerance: on a shared 2-core machine another process can steal the CPU for tens of ms. A real
 * timing bug fails every attempt; any other failure (wrong data, wrong status) fails at once.
 */
export async function timed(
  check: () => Promise<void>,
  reset: () => Promise<void> = async () => {},
): Promise<void> {
  const misses: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await check();
      return;
    } catch (error) {
      if (!(error instanceof TimingError)) throw error;
      misses.push(`attempt ${attempt}: ${error.message}`);
      await reset();
    }
  }
  throw new TimingError(misses.join('\n'));
}

/** Assert a measured duration is at most `limit` ms (retried by `timed`). */
export function atMost(actual: number, limit: number, what: string): void {
  if (actual > limit) throw new TimingError(`${what}: ${actual.toFixed(1)} ms, expected at most ${limit} ms`);
}

/**
 * Whether a connection through an echo proxy is cut by a `limit_data {bytes: 0}` upstream toxic: the echo
 * comes back (not affected) or the connection closes with nothing (affected). A toxicity probe that does not
 * depend on timing.
 */
export async function cutByLimitData(port: number): Promise<boolean> {
  const client = await connectTo(port);
  const cut = await new Promise<boolean>((resolve) => {
    client.once('data', () => resolve(false));
    client.once('end', () => resolve(true));
    client.once('close', () => resolve(true));
    client.write('?');
  });
  client.destroy();
  return cut;
}
