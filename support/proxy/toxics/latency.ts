// latency: hold each chunk until receivedAt + latency ± jitter. Chunks are handled strictly one after the
// other, so a small jitter draw never overtakes a larger one before it (no reordering), and time a chunk
// already spent queued counts towards its delay (two stacked latency toxics add up; throughput is kept
// because the stage buffers up to 1024 chunks in front of itself).

import { type Chunk, END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type LatencyAttributes = { latency: number; jitter: number };

class LatencyRuntime implements ToxicRuntime<LatencyAttributes> {
  #attributes: LatencyAttributes;
  readonly #ctx: StageContext;
  #held: Chunk | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(attributes: LatencyAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item === END) {
      this.#ctx.emit(item);
      this.#ctx.done();
      return;
    }
    const { latency, jitter } = this.#attributes;
    const delay = jitter > 0 ? latency + this.#ctx.random.int(-jitter, jitter) : latency;
    const wait = item.receivedAt + delay - performance.now();
    if (wait <= 0) {
      this.#ctx.emit(item);
      this.#ctx.done();
      return;
    }
    this.#held = item;
    this.#timer = setTimeout(() => {
      this.#held = null;
      this.#timer = undefined;
      // Advance the stamp by the time slept so a following latency toxic adds its full delay.
      item.receivedAt += wait;
      this.#ctx.emit(item);
      this.#ctx.done();
    }, wait);
  }

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = null;
    return held ? [held] : [];
  }

  update(attributes: LatencyAttributes): void {
    this.#attributes = attributes;
  }
}

export const latency: ToxicKind<LatencyAttributes> = {
  type: 'latency',
  defaults: { latency: 0, jitter: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1024,
  validate: () => undefined,
  create: (attributes, ctx) => new LatencyRuntime(attributes, ctx),
};
