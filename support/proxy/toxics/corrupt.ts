// corrupt — a faultline extension, not a Shopify Toxiproxy toxic. Each byte passing through is hit with
// probability `probability`; a hit flips one of its eight bits, chosen at random. Hits are found by
// geometric skipping (one draw per hit, not per byte) so a low rate over a fast stream stays cheap.
// All draws come from the stage's seeded generator: the same seed corrupts the same bytes the same way.

import { END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type CorruptAttributes = { probability: number };

class CorruptRuntime implements ToxicRuntime<CorruptAttributes> {
  #attributes: CorruptAttributes;
  readonly #ctx: StageContext;
  /** Bytes still to pass before the next hit; carries over between chunks. */
  #skip = -1;

  constructor(attributes: CorruptAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item === END || this.#attributes.probability <= 0) {
      this.#ctx.emit(item);
      this.#ctx.done();
      return;
    }
    let data = item.data;
    let copied = false;
    let position = this.#skip < 0 ? this.#nextGap() : this.#skip;
    while (position < data.length) {
      if (!copied) {
        data = Buffer.from(data);
        copied = true;
      }
      data[position] = data[position]! ^ (1 << this.#ctx.random.int(0, 8));
      position += 1 + this.#nextGap();
    }
    this.#skip = position - data.length;
    this.#ctx.emit(copied ? { data, receivedAt: item.receivedAt } : item);
    this.#ctx.done();
  }

  /** Number of untouched bytes before the next hit: geometric with success probability p. */
  #nextGap(): number {
    const p = this.#attributes.probability;
    if (p >= 1) return 0;
    const u = 1 - this.#ctx.random.next(); // (0, 1]
    return Math.floor(Math.log(u) / Math.log1p(-p));
  }

  interrupt(): StreamItem[] {
    return [];
  }

  update(attributes: CorruptAttributes): void {
    this.#attributes = attributes;
    this.#skip = -1;
  }
}

export const corrupt: ToxicKind<CorruptAttributes> = {
  type: 'corrupt',
  defaults: { probability: 0 },
  integerAttributes: false,
  extension: true,
  capacity: 1,
  validate: ({ probability }) =>
    probability >= 0 && probability <= 1
      ? undefined
      : `corrupt probability must be between 0 and 1, got ${probability}`,
  create: (attributes, ctx) => new CorruptRuntime(attributes, ctx),
};
