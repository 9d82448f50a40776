// limit_data: let exactly `bytes` bytes through this direction (the chunk crossing the limit is cut to fit),
// then close the connection. The counter is per link and survives updates, so lowering the limit below what
// was already sent closes at the next chunk.

import { END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type LimitDataAttributes = { bytes: number };

class LimitDataRuntime implements ToxicRuntime<LimitDataAttributes> {
  #attributes: LimitDataAttributes;
  readonly #ctx: StageContext;
  #transmitted = 0;
  #closed = false;

  constructor(attributes: LimitDataAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (this.#closed) {
      this.#ctx.done();
      return;
    }
    if (item === END) {
      this.#closed = true;
      this.#ctx.emit(END);
      this.#ctx.done();
      return;
    }
    const remaining = this.#attributes.bytes - this.#transmitted;
    if (remaining > 0) {
      const data = item.data.length > remaining ? item.data.subarray(0, remaining) : item.data;
      this.#transmitted += data.length;
      this.#ctx.emit(data === item.data ? item : { data, receivedAt: item.receivedAt });
    }
    if (this.#transmitted >= this.#attributes.bytes) {
      this.#closed = true;
      this.#ctx.emit(END);
    }
    this.#ctx.done();
  }

  interrupt(): StreamItem[] {
    return [];
  }

  update(attributes: LimitDataAttributes): void {
    this.#attributes = attributes;
  }
}

export const limitData: ToxicKind<LimitDataAttributes> = {
  type: 'limit_data',
  defaults: { bytes: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: () => undefined,
  create: (attributes, ctx) => new LimitDataRuntime(attributes, ctx),
};
