// slow_close: data passes untouched; the end-of-stream is held for `delay` ms, so the peer sees the close
// (and the whole connection ends) late. A restart while holding starts the full delay again.

import { END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type SlowCloseAttributes = { delay: number };

class SlowCloseRuntime implements ToxicRuntime<SlowCloseAttributes> {
  #attributes: SlowCloseAttributes;
  readonly #ctx: StageContext;
  #timer: NodeJS.Timeout | undefined;
  #holding = false;

  constructor(attributes: SlowCloseAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item !== END) {
      this.#ctx.emit(item);
      this.#ctx.done();
      return;
    }
    this.#holding = true;
    this.#timer = setTimeout(
      () => {
        this.#holding = false;
        this.#timer = undefined;
        this.#ctx.emit(END);
        this.#ctx.done();
      },
      Math.max(0, this.#attributes.delay),
    );
  }

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#holding) return [];
    this.#holding = false;
    return [END];
  }

  update(attributes: SlowCloseAttributes): void {
    this.#attributes = attributes;
  }
}

export const slowClose: ToxicKind<SlowCloseAttributes> = {
  type: 'slow_close',
  defaults: { delay: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: () => undefined,
  create: (attributes, ctx) => new SlowCloseRuntime(attributes, ctx),
};
