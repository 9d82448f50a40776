// noop: passes everything unchanged; exists so clients can test their plumbing (upstream registers it too).

import type { StreamItem } from '../chunk.ts';
import type { Attributes, StageContext, ToxicKind, ToxicRuntime } from './types.ts';

class NoopRuntime implements ToxicRuntime {
  readonly #ctx: StageContext;
  constructor(ctx: StageContext) {
    this.#ctx = ctx;
  }
  handle(item: StreamItem): void {
    this.#ctx.emit(item);
    this.#ctx.done();
  }
  interrupt(): StreamItem[] {
    return [];
  }
  update(): void {}
}

export const noop: ToxicKind<Attributes> = {
  type: 'noop',
  defaults: {},
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: () => undefined,
  create: (_attributes, ctx) => new NoopRuntime(ctx),
};
