// One direction of a proxied connection: source socket → toxic stages → writer → destination socket.
// With no toxics the link is a plain pipe: each read is written straight to the destination and reading
// pauses while the destination's buffer is full. Stages are spliced in and out while bytes flow: added
// stages start with the next read; a removed stage hands what it held and queued to its successor, so
// nothing is lost or reordered when the chain changes or becomes empty again.

import type { Socket } from 'node:net';
import { END } from './chunk.ts';
import type { Random } from './random.ts';
import type { ReadBuffer } from './read-buffer.ts';
import { type Sink, Stage } from './stage.ts';
import type { Direction, Toxic } from './toxic.ts';
import { SocketWriter } from './writer.ts';

export interface LinkHooks {
  /** A generator for this link's stage of `toxic`. */
  random(toxic: Toxic): Random;
  /** Abort the whole connection with RST (reset_peer). */
  reset(): void;
}

export class Link {
  readonly direction: Direction;
  /** Bytes read from the source (Toxiproxy's "received" metric). */
  received = 0;
  readonly #source: Socket;
  readonly #writer: SocketWriter;
  readonly #hooks: LinkHooks;
  #stages: Stage[] = [];
  #paused = false;
  #sourceEnded = false;
  #closed = false;

  constructor(
    direction: Direction,
    source: Socket,
    dest: Socket,
    toxics: readonly Toxic[],
    hooks: LinkHooks,
  ) {
    this.direction = direction;
    this.#source = source;
    this.#hooks = hooks;
    this.#writer = new SocketWriter(dest);
    for (const toxic of toxics) this.#stages.push(this.#newStage(toxic));
    this.#rewire();
  }

  get sent(): number {
    return this.#writer.sent;
  }

  /**
   * Start moving bytes. Reads come as 'data' events, or, for a source created with `onread`, through the
   * ReadBuffer handed in here; resuming the source is still what makes it read and report its end.
   */
  start(reads?: ReadBuffer): void {
    const source = this.#source;
    if (reads) reads.attach(this.receive);
    else source.on('data', this.#onData);
    source.on('end', this.#onSourceEnd);
    source.on('close', this.#onSourceEnd);
    source.resume();
  }

  addToxic(toxic: Toxic): void {
    if (this.#closed) return;
    this.#stages.push(this.#newStage(toxic));
    this.#rewire();
    this.#kick();
  }

  updateToxic(toxic: Toxic): void {
    this.#stages.find((stage) => stage.toxic === toxic)?.restart();
  }

  removeToxic(toxic: Toxic): void {
    const index = this.#stages.findIndex((stage) => stage.toxic === toxic);
    if (index < 0 || this.#closed) return;
    const stage = this.#stages[index]!;
    const pending = stage.detach();
    this.#stages.splice(index, 1);
    this.#rewire();
    const next: Sink = this.#stages[index] ?? this.#writer;
    this.#writer.batch(() => {
      for (const item of pending) next.push(item);
      this.#kick();
    });
  }

  /** The connection is being torn down: stop every timer; sockets are destroyed by the connection. */
  close(): void {
    this.#closed = true;
    for (const stage of this.#stages) stage.close();
    this.#stages = [];
  }

  /** One read from the source. Returns true if the link keeps `data` (its memory must not be reused). */
  receive = (data: Buffer): boolean => {
    if (this.#closed) return false;
    this.received += data.length;
    const head = this.#stages[0];
    if (head === undefined) {
      // The fast path: no chunk objects, no timestamps.
      if (!this.#writer.write(data)) this.#pause();
      return this.#writer.queued;
    }
    head.push({ data, receivedAt: performance.now() });
    if (!head.hasRoom()) this.#pause();
    return true;
  };

  #onData = (data: Buffer): void => {
    this.receive(data);
  };

  #onSourceEnd = (): void => {
    if (this.#sourceEnded || this.#closed) return;
    this.#sourceEnded = true;
    const head: Sink = this.#stages[0] ?? this.#writer;
    head.push(END);
  };

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#source.pause();
  }

  #resume = (): void => {
    if (!this.#paused || this.#closed) return;
    const head: Sink = this.#stages[0] ?? this.#writer;
    if (!head.hasRoom()) return;
    this.#paused = false;
    this.#source.resume();
  };

  #newStage(toxic: Toxic): Stage {
    return new Stage(toxic, this.#hooks.random(toxic), this.#writer, this.#hooks.reset);
  }

  /** Point every stage at its successor and every wake-up at its predecessor. */
  #rewire(): void {
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i]!;
      stage.next = stages[i + 1] ?? this.#writer;
      const previous = stages[i - 1];
      stage.wakeProducer = previous ? () => previous.pump() : this.#resume;
    }
    const last = stages[stages.length - 1];
    this.#writer.wakeProducer = last ? () => last.pump() : this.#resume;
  }

  /** After a change of the chain, restart anything that may have been waiting on the old wiring. */
  #kick(): void {
    for (const stage of this.#stages) stage.pump();
    this.#resume();
  }
}
