// slicer: cut each chunk into pieces of about `average_size` bytes (± `size_variation`) and send them one by
// one with `delay` microseconds after each, so the peer sees many small TCP segments. Node timers have 1 ms
// resolution, so pacing runs on a microsecond clock: sub-millisecond waits yield to the event loop once
// (setImmediate, which also lets each piece reach the socket separately) and the average rate stays right.

import { type Chunk, END, type StreamItem } from '../chunk.ts';
import type { Random } from '../random.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type SlicerAttributes = { average_size: number; size_variation: number; delay: number };

/**
 * Piece boundaries for `length` bytes: a span is kept whole when it exceeds the average by at most the
 * variation, otherwise it is split near its middle (shifted by a random offset in [-variation, variation))
 * and both halves are cut again. Returns the end offset of every piece.
 */
export function sliceOffsets(
  length: number,
  averageSize: number,
  variation: number,
  random: Random,
): number[] {
  const ends: number[] = [];
  const cut = (start: number, end: number): void => {
    const size = end - start;
    if (size - averageSize <= variation) {
      ends.push(end);
      return;
    }
    let mid = start + Math.floor(size / 2);
    if (variation > 0) mid += random.int(-variation, variation);
    // Never an empty piece: with variation == average the offset could reach a span's edge.
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    cut(start, mid);
    cut(mid, end);
  };
  if (length > 0) cut(0, length);
  return ends;
}

class SlicerRuntime implements ToxicRuntime<SlicerAttributes> {
  #attributes: SlicerAttributes;
  readonly #ctx: StageContext;
  #chunk: Chunk | null = null;
  #ends: number[] = [];
  #index = 0;
  #sentUpTo = 0;
  /** performance.now() at which the next piece may go. */
  #due = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

  constructor(attributes: SlicerAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item === END) {
      this.#ctx.emit(END);
      this.#ctx.done();
      return;
    }
    const { average_size, size_variation } = this.#attributes;
    this.#chunk = item;
    this.#ends = sliceOffsets(item.data.length, average_size, size_variation, this.#ctx.random);
    this.#index = 0;
    this.#sentUpTo = 0;
    this.#due = performance.now();
    this.#sendPieces();
  }

  #sendPieces = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    const chunk = this.#chunk;
    if (chunk === null) return;
    const delayMs = Math.max(0, this.#attributes.delay) / 1000;
    while (this.#index < this.#ends.length) {
      const end = this.#ends[this.#index++]!;
      this.#ctx.emit({ data: chunk.data.subarray(this.#sentUpTo, end), receivedAt: chunk.receivedAt });
      this.#sentUpTo = end;
      if (delayMs > 0) {
        this.#due += delayMs;
        const wait = this.#due - performance.now();
        if (wait >= 1) {
          this.#timer = setTimeout(this.#sendPieces, wait);
          return;
        }
        if (wait > 0) {
          this.#immediate = setImmediate(this.#sendPieces);
          return;
        }
      }
    }
    this.#chunk = null;
    this.#ctx.done();
  };

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    const chunk = this.#chunk;
    this.#chunk = null;
    if (chunk === null || this.#sentUpTo >= chunk.data.length) {
      // Only the trailing delay was pending: nothing unsent.
      return [];
    }
    return [{ data: chunk.data.subarray(this.#sentUpTo), receivedAt: chunk.receivedAt }];
  }

  update(attributes: SlicerAttributes): void {
    this.#attributes = attributes;
  }
}

export const slicer: ToxicKind<SlicerAttributes> = {
  type: 'slicer',
  defaults: { average_size: 0, size_variation: 0, delay: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: ({ average_size, size_variation }) => {
    if (average_size < 1) return `slicer average_size must be >= 1 byte, got ${average_size}`;
    if (size_variation < 0) return `slicer size_variation must be >= 0, got ${size_variation}`;
    if (size_variation > average_size)
      return `slicer size_variation (${size_variation}) must not exceed average_size (${average_size})`;
    return undefined;
  },
  create: (attributes, ctx) => new SlicerRuntime(attributes, ctx),
};
