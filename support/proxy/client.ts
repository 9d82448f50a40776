// The framework reaches any fault proxy only through Toxiproxy's HTTP API, so Shopify's server and our
// embedded one are interchangeable. A small typed client of our own: toxiproxy-node-client cannot list a
// proxy's toxics (its Proxy keeps only name/listen/upstream/enabled), which rollback verification needs.

import type { ProxyTraffic } from './proxy.ts';

export interface Toxic {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, number>;
}

export interface Proxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

// The wire shape of `GET /proxies/{proxy}/traffic` is the server's own (faultline's extension; upstream
// Toxiproxy has none).
export type { ProxyTraffic } from './proxy.ts';

export interface NewToxic {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Record<string, number>;
}

export class ToxiproxyError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export class ToxiproxyClient {
  readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new ToxiproxyError(
        `toxiproxy ${method} ${path} → ${response.status}: ${reasonOf(text)}`,
        response.status,
      );
    return (text ? JSON.parse(text) : undefined) as T;
  }

  version(): Promise<string> {
    return fetch(`${this.url}/version`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text());
  }

  async proxies(): Promise<Proxy[]> {
    return Object.values(await this.call<Record<string, Proxy>>('GET', '/proxies'));
  }

  proxy(name: string): Promise<Proxy> {
    return this.call('GET', `/proxies/${name}`);
  }

  /**
   * The proxy's live traffic figures, or undefined when this server cannot count traffic: Shopify's
   * Toxiproxy has no such route and answers it with its plain-text "404 page not found", whereas a missing
   * proxy on a server that has the route is a JSON 404 ("proxy not found"), thrown like any API error.
   */
  async traffic(name: string): Promise<ProxyTraffic | undefined> {
    const path = `/proxies/${encodeURIComponent(name)}/traffic`;
    const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    if (response.status === 404 && !text.trimStart().startsWith('{')) return undefined;
    if (!response.ok)
      throw new ToxiproxyError(
        `toxiproxy GET ${path} → ${response.status}: ${reasonOf(text)}`,
        response.status,
      );
    const body = JSON.parse(text) as Partial<ProxyTraffic>;
    if (typeof body.connections?.accepted !== 'number' || typeof body.upstream?.received !== 'number')
      throw new ToxiproxyError(
        `toxiproxy GET ${path} → ${response.status}: not traffic figures (expected connections.accepted, upstream.received, downstream.received): ${text.slice(0, 200)}`,
        response.status,
      );
    return body as ProxyTraffic;
  }

  createProxy(proxy: { name: string; listen: string; upstream: string; enabled?: boolean }): Promise<Proxy> {
    return this.call('POST', '/proxies', proxy);
  }

  /**
   * Creates (or, with other addresses, restarts) every proxy in one call. Either server applies the list in
   * order and stops at the first invalid entry, answering an error: the caller learns which one.
   */
  async populate(
    proxies: { name: string; listen: string; upstream: string; enabled?: boolean }[],
  ): Promise<Proxy[]> {
    return (await this.call<{ proxies: Proxy[] }>('POST', '/populate', proxies)).proxies ?? [];
  }

  setEnabled(name: string, enabled: boolean): Promise<Proxy> {
    return this.call('POST', `/proxies/${name}`, { enabled });
  }

  /** Points a proxy at another upstream (the server restarts it: its connections close, its listener stays). */
  setUpstream(name: string, upstream: string): Promise<Proxy> {
    return this.call('POST', `/proxies/${name}`, { upstream });
  }

  deleteProxy(name: string): Promise<void> {
    return this.call('DELETE', `/proxies/${name}`);
  }

  addToxic(proxy: string, toxic: NewToxic): Promise<Toxic> {
    return this.call('POST', `/proxies/${proxy}/toxics`, toxic);
  }

  removeToxic(proxy: string, toxic: string): Promise<void> {
    return this.call('DELETE', `/proxies/${proxy}/toxics/${toxic}`);
  }

  /** Undo-friendly removal: a toxic that is already gone is what an undo wants. */
  async removeToxicIfPresent(proxy: string, toxic: string): Promise<void> {
    try {
      await this.removeToxic(proxy, toxic);
    } catch (error) {
      if (!(error instanceof ToxiproxyError && error.status === 404)) throw error;
    }
  }

  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }
}

/** An error body's message: the JSON `error` field both servers send, else the raw text. */
function reasonOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text.trim();
  } catch {
    return text.trim();
  }
}

/** "127.0.0.1:41234" or "[::1]:41234" → endpoint. */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  return {
    host: host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host,
    port: Number(listen.slice(at + 1)),
  };
}
