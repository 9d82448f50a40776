// Every proxy of the server, by name, and the API's operations on them with upstream's semantics: what is
// validated first (it decides which error wins), what an update restarts, how populate replaces or keeps.
// API calls are serialised through one queue, like upstream's collection mutex: an operation that awaits a
// bind or a DNS lookup never interleaves with another.

import type { Logger } from 'pino';
import { AddressError, listenText, resolveListen } from './address.ts';
import { ApiError, badRequest, proxyExists, proxyNotFound, toxicExists, toxicNotFound } from './api-error.ts';
import { DecodeError, decodeArray, decodeObject, type JsonValue } from './decode.ts';
import type { ProxyMetrics } from './metrics.ts';
import { FaultProxy } from './proxy.ts';
import { parseDirection, Toxic } from './toxic.ts';
import { toxicKind } from './toxics/index.ts';
import type { Attributes, ToxicKind } from './toxics/types.ts';

export interface CollectionOptions {
  seed: number;
  logger: Logger;
  metrics: ProxyMetrics | undefined;
  dialTimeoutMs: number;
}

const proxySchema = { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' } as const;
const toxicSchema = {
  name: 'string',
  type: 'string',
  stream: 'string',
  toxicity: 'number',
  attributes: 'object',
} as const;

function decoding<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`bad request body: ${error.message}`);
    throw error;
  }
}

interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

function proxyInput(body: JsonValue): ProxyInput {
  const fields = decoding(() => decodeObject(body, proxySchema, 'Proxy'));
  return {
    name: (fields.name as string | undefined) ?? '',
    listen: (fields.listen as string | undefined) ?? '',
    upstream: (fields.upstream as string | undefined) ?? '',
    enabled: (fields.enabled as boolean | undefined) ?? true,
  };
}

/** Overlay an `attributes` object on `base`, with the kind's value rules (Go ints, or our fractions). */
function decodeAttributes(kind: ToxicKind, base: Attributes, raw: JsonValue | undefined): Attributes {
  const schema: Record<string, 'integer' | 'number'> = {};
  for (const key of Object.keys(kind.defaults)) schema[key] = kind.integerAttributes ? 'integer' : 'number';
  const structName = `${kind.type.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}Toxic`;
  const fields = decoding(() => decodeObject(raw ?? null, schema, structName));
  const merged: Attributes = {};
  for (const key of Object.keys(kind.defaults))
    merged[key] = (fields[key] as number | undefined) ?? base[key] ?? 0;
  const problem = kind.validate(merged);
  if (problem !== undefined) throw badRequest(problem);
  return merged;
}

export class ProxyCollection {
  readonly #proxies = new Map<string, FaultProxy>();
  readonly #options: CollectionOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CollectionOptions) {
    this.#options = options;
  }

  /** Run one API operation after every earlier one has finished. */
  exclusive<T>(operation: () => Promise<T> | T): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => {});
    return run;
  }

  list(): FaultProxy[] {
    return [...this.#proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): FaultProxy {
    const proxy = this.#proxies.get(name);
    if (!proxy) throw proxyNotFound();
    return proxy;
  }

  async create(body: JsonValue): Promise<FaultProxy> {
    const input = proxyInput(body);
    if (input.name === '') throw badRequest('missing required field: name');
    if (input.upstream === '') throw badRequest('missing required field: upstream');
    if (this.#proxies.has(input.name)) throw proxyExists();
    const proxy = this.#newProxy(input);
    if (input.enabled) await proxy.start();
    this.#proxies.set(proxy.name, proxy);
    return proxy;
  }

  async update(name: string, body: JsonValue): Promise<FaultProxy> {
    const proxy = this.get(name);
    const fields = decoding(() => decodeObject(body, proxySchema, 'Proxy'));
    const listen = (fields.listen as string | undefined) ?? proxy.listen;
    const upstream = (fields.upstream as string | undefined) ?? proxy.upstream;
    const enabled = (fields.enabled as boolean | undefined) ?? proxy.enabled;
    if (await this.#differs(proxy, listen, upstream)) {
      proxy.stop();
      proxy.listen = listen;
      proxy.upstream = upstream;
    }
    if (enabled && !proxy.enabled) await proxy.start();
    else if (!enabled && proxy.enabled) proxy.stop();
    return proxy;
  }

  remove(name: string): void {
    const proxy = this.get(name);
    proxy.stop();
    this.#proxies.delete(name);
  }

  /**
   * Create or replace many proxies. Returns the proxies processed so far and, when one failed, the error
   * (upstream answers with both in one body). Entries identical to an existing proxy keep it untouched.
   */
  async populate(body: JsonValue): Promise<{ proxies: FaultProxy[]; error?: ApiError }> {
    const entries = decoding(() => decodeArray(body, 'Proxy')).map((entry) => proxyInput(entry));
    for (const [i, entry] of entries.entries()) {
      if (entry.name === '') throw badRequest(`missing required field: name at proxy ${i + 1}`);
      if (entry.upstream === '') throw badRequest(`missing required field: upstream at proxy ${i + 1}`);
    }
    const proxies: FaultProxy[] = [];
    for (const entry of entries) {
      try {
        const existing = this.#proxies.get(entry.name);
        if (existing && !(await this.#differs(existing, entry.listen, entry.upstream))) {
          proxies.push(existing);
          continue;
        }
        existing?.stop();
        const fresh = this.#newProxy(entry);
        if (existing) this.#proxies.delete(entry.name);
        try {
          if (entry.enabled) await fresh.start();
        } catch (error) {
          // Upstream leaves the old definition registered (stopped) when its replacement cannot bind.
          if (existing) this.#proxies.set(existing.name, existing);
          throw error;
        }
        this.#proxies.set(fresh.name, fresh);
        proxies.push(fresh);
      } catch (error) {
        if (error instanceof ApiError) return { proxies, error };
        throw error;
      }
    }
    return { proxies };
  }

  /** Re-enable every proxy and remove every toxic (with removal semantics: a timeout's connections close). */
  async reset(): Promise<void> {
    for (const proxy of this.#proxies.values()) {
      await proxy.start();
      proxy.removeAllToxics();
    }
  }

  /** Stop everything (server shutdown). */
  closeAll(): void {
    for (const proxy of this.#proxies.values()) proxy.stop();
  }

  // ---- toxics -------------------------------------------------------------------------------------------

  getToxic(proxyName: string, toxicName: string): Toxic {
    const toxic = this.get(proxyName).findToxic(toxicName);
    if (!toxic) throw toxicNotFound();
    return toxic;
  }

  addToxic(proxyName: string, body: JsonValue): Toxic {
    const proxy = this.get(proxyName);
    const fields = decoding(() => decodeObject(body, toxicSchema, 'ToxicWrapper'));
    const stream = (fields.stream as string | undefined) ?? 'downstream';
    const direction = parseDirection(stream);
    if (direction === undefined) throw badRequest('stream was invalid, can be either upstream or downstream');
    const type = (fields.type as string | undefined) ?? '';
    const name = (fields.name as string | undefined) || `${type}_${stream}`;
    const kind = toxicKind(type);
    if (kind === undefined) throw badRequest('invalid toxic type');
    if (proxy.findToxic(name)) throw toxicExists();
    const attributes = decodeAttributes(kind, kind.defaults, fields.attributes as JsonValue | undefined);
    const toxicity = (fields.toxicity as number | undefined) ?? 1;
    const toxic = new Toxic({ name, kind, stream, direction, toxicity, attributes });
    proxy.addToxic(toxic);
    return toxic;
  }

  updateToxic(proxyName: string, toxicName: string, body: JsonValue): Toxic {
    const proxy = this.get(proxyName);
    const toxic = proxy.findToxic(toxicName);
    if (!toxic) throw toxicNotFound();
    const fields = decoding(() =>
      decodeObject(body, { toxicity: 'number', attributes: 'object' }, 'ToxicWrapper'),
    );
    const attributes = decodeAttributes(
      toxic.kind,
      toxic.attributes,
      fields.attributes as JsonValue | undefined,
    );
    toxic.attributes = attributes;
    toxic.toxicity = (fields.toxicity as number | undefined) ?? toxic.toxicity;
    proxy.toxicUpdated(toxic);
    return toxic;
  }

  removeToxic(proxyName: string, toxicName: string): void {
    const proxy = this.get(proxyName);
    const toxic = proxy.findToxic(toxicName);
    if (!toxic) throw toxicNotFound();
    proxy.removeToxic(toxic);
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  #newProxy(input: ProxyInput): FaultProxy {
    return new FaultProxy(input, this.#options);
  }

  /**
   * Upstream's "addresses differ" test: the requested listen is resolved (localhost:P → 127.0.0.1:P) and
   * compared with the stored text, so handing back the bound port under a hostname does not restart, while
   * host:0 always does. An unresolvable listen is a 500 with the resolver's text.
   */
  async #differs(proxy: FaultProxy, listen: string, upstream: string): Promise<boolean> {
    let resolved: string;
    try {
      resolved = listenText(await resolveListen(listen));
    } catch (error) {
      if (error instanceof AddressError) throw new ApiError(500, error.message);
      throw error;
    }
    return resolved !== proxy.listen || upstream !== proxy.upstream;
  }
}
