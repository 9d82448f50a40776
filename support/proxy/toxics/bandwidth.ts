// bandwidth: pace this direction to `rate` KB/s (1 KB = 1000 bytes, i.e. `rate` bytes per ms). Each chunk
// costs len/rate ms on a running clock that only moves forward, so timer overshoot is paid back by the next
// chunk instead of accumulating. Chunks worth more than 100 ms go out in 100 ms slices. rate 0 stalls the
// stream (upstream's behaviour, kept: a useful "stuck peer"); negative rates are rejected (upstream crashes).
// The stage buffers nothing in front of itself, so a slow rate pushes back on the sender's TCP window.

import { type Chunk, END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type BandwidthAttributes = { rate: number };

const SLICE_MS = 100;

class BandwidthRuntime implements ToxicRuntime<BandwidthAttributes> {
  #attributes: BandwidthAttributes;
  readonly #ctx: StageContext;
  #timer: NodeJS.Timeout | undefined;
  /** The part of the current chunk not yet sent on. */
  #rest: Chunk | null = null;
  /** performance.now() at which the link is free again. */
  #clock = 0;
  /** Clock time charged for the slice waiting in the timer, refunded if interrupted. */
  #charged = 0;

  constructor(attributes: BandwidthAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item === END) {
      this.#ctx.emit(END);
      this.#ctx.done();
      return;
    }
    this.#rest = item;
    this.#sendSlice();
  }

  #sendSlice(): void {
    const rest = this.#rest;
    if (rest === null) return;
    const { rate } = this.#attributes;
    if (rate <= 0) return; // stalled until an update or removal
    const sliceBytes = rate * SLICE_MS;
    const slice = rest.data.length > sliceBytes ? rest.data.subarray(0, sliceBytes) : rest.data;
    const now = performance.now();
    this.#charged = slice.length / rate;
    this.#clock = Math.max(this.#clock, now) + this.#charged;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#charged = 0;
      if (slice === rest.data) {
        this.#rest = null;
        this.#ctx.emit(rest);
        this.#ctx.done();
        return;
      }
      this.#rest = { data: rest.data.subarray(slice.length), receivedAt: rest.receivedAt };
      this.#ctx.emit({ data: slice, receivedAt: rest.receivedAt });
      this.#sendSlice();
    }, this.#clock - now);
  }

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clock -= this.#charged;
    this.#charged = 0;
    const rest = this.#rest;
    this.#rest = null;
    return rest ? [rest] : [];
  }

  update(attributes: BandwidthAttributes): void {
    this.#attributes = attributes;
  }
}

export const bandwidth: ToxicKind<BandwidthAttributes> = {
  type: 'bandwidth',
  defaults: { rate: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: ({ rate }) =>
    rate < 0 ? `bandwidth rate must be >= 0 KB/s (0 stalls the stream), got ${rate}` : undefined,
  create: (attributes, ctx) => new BandwidthRuntime(attributes, ctx),
};
