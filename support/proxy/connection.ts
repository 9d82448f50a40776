// One accepted client and its upstream socket, joined by two links (client → upstream is the "upstream"
// link, upstream → client the "downstream" link). The client socket arrives paused; it is only read once
// the upstream dial succeeded, so no byte is read before there is somewhere to send it. A failed dial closes
// the client, which therefore sees its connect() succeed and then EOF, as with upstream Toxiproxy.

import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Link } from './link.ts';
import type { Random } from './random.ts';
import { ReadBuffer } from './read-buffer.ts';
import type { Direction, Toxic } from './toxic.ts';

export interface ConnectionOwner {
  readonly name: string;
  readonly logger: Logger;
  /** The proxy's toxics for one stream, in order. */
  chain(direction: Direction): readonly Toxic[];
  random(ordinal: number, direction: Direction, toxic: Toxic): Random;
  finished(connection: Connection): void;
}

export interface LinkTotals {
  direction: Direction;
  received: number;
  sent: number;
}

export class Connection {
  readonly ordinal: number;
  /** The proxy's listen address when this connection was accepted (a metrics label). */
  readonly listener: string;
  readonly #owner: ConnectionOwner;
  readonly #client: Socket;
  #upstream: Socket | null = null;
  readonly #links = new Map<Direction, Link>();
  #open = 0;
  #closed = false;
  #finished = false;

  constructor(owner: ConnectionOwner, ordinal: number, listener: string, client: Socket) {
    this.#owner = owner;
    this.ordinal = ordinal;
    this.listener = listener;
    this.#client = client;
    this.#track(client);
  }

  /** Dial the upstream and start both links; gives up after `dialTimeoutMs`. */
  open(host: string, port: number, dialTimeoutMs: number): void {
    const reads = new ReadBuffer();
    const upstream = connect({ host, port, noDelay: true, allowHalfOpen: true, onread: reads.onread });
    this.#upstream = upstream;
    this.#track(upstream);
    const timer = setTimeout(() => {
      this.#owner.logger.warn({ proxy: this.#owner.name, host, port }, 'upstream dial timed out');
      this.close();
    }, dialTimeoutMs);
    upstream.once('connect', () => {
      clearTimeout(timer);
      if (this.#closed) return;
      this.#startLinks(upstream, reads);
    });
    upstream.once('close', () => clearTimeout(timer));
  }

  link(direction: Direction): Link | undefined {
    return this.#links.get(direction);
  }

  totals(): LinkTotals[] {
    return [...this.#links.values()].map((link) => ({
      direction: link.direction,
      received: link.received,
      sent: link.sent,
    }));
  }

  /** Close both sockets now (FIN, or RST with `reset`), dropping whatever the toxics still hold. */
  close(reset = false): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links.values()) link.close();
    for (const socket of [this.#client, this.#upstream]) {
      if (socket === null || socket.destroyed) continue;
      if (reset && !socket.connecting) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  #startLinks(upstream: Socket, upstreamReads: ReadBuffer): void {
    const client = this.#client;
    const hooks = (direction: Direction) => ({
      random: (toxic: Toxic) => this.#owner.random(this.ordinal, direction, toxic),
      reset: () => this.close(true),
    });
    const up = new Link('upstream', client, upstream, this.#owner.chain('upstream'), hooks('upstream'));
    const down = new Link(
      'downstream',
      upstream,
      client,
      this.#owner.chain('downstream'),
      hooks('downstream'),
    );
    this.#links.set('upstream', up);
    this.#links.set('downstream', down);
    up.start();
    down.start(upstreamReads);
  }

  #track(socket: Socket): void {
    this.#open++;
    socket.on('error', (error) => {
      this.#owner.logger.debug({ proxy: this.#owner.name, err: error }, 'socket error');
    });
    socket.once('close', () => {
      // A socket closed before the links exist (client gave up, dial failed): close the other one too.
      if (this.#links.size === 0) this.close();
      if (--this.#open === 0 && !this.#finished) {
        this.#finished = true;
        this.#closed = true;
        for (const link of this.#links.values()) link.close();
        this.#owner.finished(this);
      }
    });
  }
}
