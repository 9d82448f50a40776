// One toxic running on one link. The stage owns the queue in front of its toxic and feeds the toxic one item
// at a time; it only takes the next item when the toxic said done() *and* the next stage has room, which is
// how back-pressure travels from the destination socket back to the source (like upstream's chain of
// unbuffered channels, except latency which may queue 1024 chunks so that it does not throttle throughput).
// Toxicity is drawn when the stage starts and on every restart (update); an inactive stage passes through.

import { END, type StreamItem } from './chunk.ts';
import type { Random } from './random.ts';
import type { Toxic } from './toxic.ts';
import type { StageContext, ToxicRuntime } from './toxics/types.ts';

/** Anything a stage can hand items to: another stage or the link's socket writer. */
export interface Sink {
  push(item: StreamItem): void;
  hasRoom(): boolean;
}

export class Stage implements Sink {
  readonly toxic: Toxic;
  next: Sink;
  /** Called when this stage has room again, to restart whoever feeds it. */
  wakeProducer: () => void = () => {};
  readonly #random: Random;
  readonly #runtime: ToxicRuntime;
  #queue: StreamItem[] = [];
  #head = 0;
  #busy = false;
  #pumping = false;
  #closed = false;
  #active = false;

  constructor(toxic: Toxic, random: Random, next: Sink, resetConnection: () => void) {
    this.toxic = toxic;
    this.next = next;
    this.#random = random;
    const ctx: StageContext = {
      random,
      emit: (item) => {
        if (!this.#closed) this.next.push(item);
      },
      done: () => this.#done(),
      resetConnection,
    };
    this.#runtime = toxic.kind.create(toxic.attributes, ctx);
    this.#begin();
  }

  hasRoom(): boolean {
    return this.#queue.length - this.#head < this.toxic.kind.capacity;
  }

  push(item: StreamItem): void {
    if (this.#closed) return;
    this.#queue.push(item);
    this.pump();
  }

  pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (!this.#busy && !this.#closed && this.#head < this.#queue.length && this.next.hasRoom()) {
        const wasFull = !this.hasRoom();
        const item = this.#dequeue();
        if (wasFull && this.hasRoom()) this.wakeProducer();
        if (!this.#active) {
          this.next.push(item);
          continue;
        }
        this.#busy = true;
        this.#runtime.handle(item);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** New attributes or toxicity: interrupt the toxic, put back what it held, redraw and go on. */
  restart(): void {
    if (this.#closed) return;
    const held = this.#runtime.interrupt();
    this.#busy = false;
    this.#unshift(held);
    this.#runtime.update(this.toxic.attributes);
    this.#begin();
    this.pump();
  }

  /**
   * The toxic is being removed from a live link: stop it and return every item it still held or had
   * queued, in order, for the next stage (a timeout toxic replaces them with an end-of-stream).
   */
  detach(): StreamItem[] {
    const held = this.#runtime.interrupt();
    const pending = held.concat(this.#queue.slice(this.#head));
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    return this.#runtime.removed ? this.#runtime.removed(pending) : pending;
  }

  /** The connection is gone: stop timers, drop everything. */
  close(): void {
    if (this.#closed) return;
    this.#runtime.interrupt();
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
  }

  #begin(): void {
    this.#active = this.#random.next() < this.toxic.toxicity;
    if (this.#active) this.#runtime.start?.();
  }

  #done(): void {
    this.#busy = false;
    if (!this.#pumping) this.pump();
  }

  #dequeue(): StreamItem {
    const item = this.#queue[this.#head] ?? END;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  #unshift(items: StreamItem[]): void {
    if (items.length === 0) return;
    this.#queue = items.concat(this.#queue.slice(this.#head));
    this.#head = 0;
  }
}
