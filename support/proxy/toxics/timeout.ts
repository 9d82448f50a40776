// timeout: from the moment it is active, every byte reaching the stage is swallowed. With timeout > 0 the
// connection is closed once that many ms pass without a chunk arriving (each swallowed chunk restarts the
// countdown); with 0 it never closes by itself. Removing the toxic closes the connection too, as upstream
// does: the data it swallowed is gone, so letting the stream continue would hand the peer a corrupt stream.

import { END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type TimeoutAttributes = { timeout: number };

class TimeoutRuntime implements ToxicRuntime<TimeoutAttributes> {
  #attributes: TimeoutAttributes;
  readonly #ctx: StageContext;
  #timer: NodeJS.Timeout | undefined;
  /** End-of-stream already sent on; everything after is dropped. */
  #closed = false;

  constructor(attributes: TimeoutAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  start(): void {
    this.#arm();
  }

  handle(item: StreamItem): void {
    if (item === END) {
      this.#close();
    } else if (!this.#closed) {
      this.#arm();
    }
    this.#ctx.done();
  }

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return [];
  }

  update(attributes: TimeoutAttributes): void {
    this.#attributes = attributes;
  }

  removed(): StreamItem[] {
    clearTimeout(this.#timer);
    if (this.#closed) return [];
    this.#closed = true;
    return [END];
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { timeout } = this.#attributes;
    if (timeout > 0 && !this.#closed) this.#timer = setTimeout(() => this.#close(), timeout);
  }

  #close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.emit(END);
  }
}

export const timeout: ToxicKind<TimeoutAttributes> = {
  type: 'timeout',
  defaults: { timeout: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: () => undefined,
  create: (attributes, ctx) => new TimeoutRuntime(attributes, ctx),
};
