// reset_peer: on the first chunk (or end-of-stream) reaching the stage, wait `timeout` ms, then abort the
// connection with a real TCP RST on both sockets (peers read ECONNRESET). Nothing happens while no bytes flow
// in this direction. Deviation, by design: the RST is sent whenever this stage fires, whatever the
// connection's age; upstream only resets connections opened while the toxic existed (SO_LINGER 0) and
// otherwise closes with FIN.

import type { StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type ResetPeerAttributes = { timeout: number };

class ResetPeerRuntime implements ToxicRuntime<ResetPeerAttributes> {
  #attributes: ResetPeerAttributes;
  readonly #ctx: StageContext;
  #timer: NodeJS.Timeout | undefined;
  #held: StreamItem | null = null;

  constructor(attributes: ResetPeerAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    const { timeout } = this.#attributes;
    if (timeout <= 0) {
      this.#ctx.resetConnection();
      return;
    }
    this.#held = item;
    this.#timer = setTimeout(() => {
      this.#held = null;
      this.#timer = undefined;
      this.#ctx.resetConnection();
    }, timeout);
  }

  interrupt(): StreamItem[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = null;
    return held === null ? [] : [held];
  }

  update(attributes: ResetPeerAttributes): void {
    this.#attributes = attributes;
  }
}

export const resetPeer: ToxicKind<ResetPeerAttributes> = {
  type: 'reset_peer',
  defaults: { timeout: 0 },
  integerAttributes: true,
  extension: false,
  capacity: 1,
  validate: () => undefined,
  create: (attributes, ctx) => new ResetPeerRuntime(attributes, ctx),
};
