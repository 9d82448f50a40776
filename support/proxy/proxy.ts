// One named proxy: a listener, the live connections it accepted, and its two toxic chains. Enabled means
// listening. Stopping closes the listener (new connects are refused at once) and every live connection, but
// keeps the definition and its toxics; the bound address is remembered, so re-enabling reuses the port.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { bindErrorText, type HostPort, listenText, parseUpstream, resolveListen } from './address.ts';
import { ApiError, toxicExists } from './api-error.ts';
import { Connection, type ConnectionOwner } from './connection.ts';
import type { ProxyMetrics } from './metrics.ts';
import { deriveSeed, Random } from './random.ts';
import type { Direction, Toxic } from './toxic.ts';

export interface ProxyDeps {
  seed: number;
  logger: Logger;
  metrics: ProxyMetrics | undefined;
  dialTimeoutMs: number;
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

/**
 * What crossed a proxy since it was created, live: connections accepted, and per stream the bytes read from
 * its source and written to its destination (`upstream`: client → server, `downstream`: server → client).
 * Served on `GET /proxies/{proxy}/traffic` (a faultline extension, see README.md).
 */
export interface ProxyTraffic {
  name: string;
  connections: { accepted: number; open: number };
  upstream: { received: number; sent: number };
  downstream: { received: number; sent: number };
}

export class FaultProxy implements ConnectionOwner {
  readonly name: string;
  /** As supplied until first started; from then on the address actually bound. */
  listen: string;
  upstream: string;
  readonly logger: Logger;
  readonly #deps: ProxyDeps;
  readonly #seed: number;
  #server: Server | null = null;
  readonly #connections = new Set<Connection>();
  #ordinal = 0;
  /** Byte counts of the connections that have finished; live ones are summed from their links on demand. */
  readonly #finished = { upstream: { received: 0, sent: 0 }, downstream: { received: 0, sent: 0 } };
  readonly #chains: Record<Direction, Toxic[]> = { upstream: [], downstream: [] };

  constructor(init: { name: string; listen: string; upstream: string }, deps: ProxyDeps) {
    this.name = init.name;
    this.listen = init.listen;
    this.upstream = init.upstream;
    this.#deps = deps;
    this.logger = deps.logger;
    this.#seed = deriveSeed(deps.seed, `proxy:${init.name}`);
  }

  get enabled(): boolean {
    return this.#server !== null;
  }

  /** Bind the stored listen address; on failure the proxy stays stopped and a 500 carries Go's text. */
  async start(): Promise<void> {
    if (this.#server) return;
    let address: HostPort;
    try {
      address = await resolveListen(this.listen);
    } catch (error) {
      throw new ApiError(500, (error as Error).message);
    }
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) =>
      this.#accept(socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address.host || undefined, port: address.port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new ApiError(500, bindErrorText(address, error));
    });
    server.on('error', (error) => this.logger.error({ proxy: this.name, err: error }, 'listener error'));
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') {
      this.listen = listenText({ host: address.host === '' ? '' : bound.address, port: bound.port });
    }
    this.#server = server;
    this.logger.info({ proxy: this.name, listen: this.listen, upstream: this.upstream }, 'started proxy');
  }

  /** Close the listener and every live connection. Harmless when already stopped. */
  stop(): void {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    server.close();
    for (const connection of this.#connections) connection.close();
    this.logger.info({ proxy: this.name, listen: this.listen }, 'stopped proxy');
  }

  // ---- toxics -------------------------------------------------------------------------------------------

  /** Upstream-stream toxics first, then downstream, each in insertion order (upstream's listing order). */
  toxics(): Toxic[] {
    return [...this.#chains.upstream, ...this.#chains.downstream];
  }

  findToxic(name: string): Toxic | undefined {
    return (
      this.#chains.upstream.find((t) => t.name === name) ??
      this.#chains.downstream.find((t) => t.name === name)
    );
  }

  addToxic(toxic: Toxic): void {
    if (this.findToxic(toxic.name)) throw toxicExists();
    this.#chains[toxic.direction].push(toxic);
    for (const connection of this.#connections) connection.link(toxic.direction)?.addToxic(toxic);
  }

  /** The toxic's attributes/toxicity were changed in place: restart its stage on every live link. */
  toxicUpdated(toxic: Toxic): void {
    for (const connection of this.#connections) connection.link(toxic.direction)?.updateToxic(toxic);
  }

  removeToxic(toxic: Toxic): void {
    const chain = this.#chains[toxic.direction];
    const index = chain.indexOf(toxic);
    if (index < 0) return;
    chain.splice(index, 1);
    for (const connection of this.#connections) connection.link(toxic.direction)?.removeToxic(toxic);
  }

  removeAllToxics(): void {
    for (const toxic of this.toxics()) this.removeToxic(toxic);
  }

  // ---- ConnectionOwner ----------------------------------------------------------------------------------

  chain(direction: Direction): readonly Toxic[] {
    return this.#chains[direction];
  }

  random(ordinal: number, direction: Direction, toxic: Toxic): Random {
    return Random.derive(this.#seed, `${ordinal}/${direction}/${toxic.name}`);
  }

  finished(connection: Connection): void {
    // Leaving the live set and joining the finished sums happen in one synchronous step, so traffic() never
    // counts a connection twice or not at all.
    this.#connections.delete(connection);
    for (const link of connection.totals()) {
      this.#finished[link.direction].received += link.received;
      this.#finished[link.direction].sent += link.sent;
    }
    this.#deps.metrics?.record(
      { name: this.name, listener: connection.listener, upstream: this.upstream },
      connection.totals(),
    );
  }

  /**
   * Live traffic figures. Nothing is added on the hot path for them: each link already keeps its byte counts
   * (one integer addition per read, which upstream Toxiproxy's metrics need too); this sums the open
   * connections' links with the finished connections' totals when asked. The ordinal is the accept count.
   */
  traffic(): ProxyTraffic {
    const totals = {
      upstream: { ...this.#finished.upstream },
      downstream: { ...this.#finished.downstream },
    };
    for (const connection of this.#connections)
      for (const link of connection.totals()) {
        totals[link.direction].received += link.received;
        totals[link.direction].sent += link.sent;
      }
    return {
      name: this.name,
      connections: { accepted: this.#ordinal, open: this.#connections.size },
      ...totals,
    };
  }

  #accept(client: Socket): void {
    this.#deps.metrics?.accepted({ name: this.name, listener: this.listen, upstream: this.upstream });
    const connection = new Connection(this, this.#ordinal++, this.listen, client);
    this.#connections.add(connection);
    let upstream: HostPort;
    try {
      upstream = parseUpstream(this.upstream);
    } catch {
      connection.close();
      return;
    }
    connection.open(upstream.host, upstream.port, this.#deps.dialTimeoutMs);
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxics(),
    };
  }
}
