// packet_loss — a faultline extension, not a Shopify Toxiproxy toxic. Drops whole chunks (what one socket
// read returned) with probability `probability`. With `burst` > 1 the losses come in runs: a two-state
// Gilbert–Elliott chain whose "bad" state drops everything and lasts `burst` chunks on average, tuned so the
// long-run loss fraction is still `probability` (when that is reachable: a good run cannot be shorter than
// one chunk, so with very high probabilities and long bursts the fraction is capped at burst/(burst+1)).
// Note that on a TCP stream a dropped chunk is lost application data: the peer sees a stream with holes.

import { END, type StreamItem } from '../chunk.ts';
import type { StageContext, ToxicKind, ToxicRuntime } from './types.ts';

export type PacketLossAttributes = { probability: number; burst: number };

class PacketLossRuntime implements ToxicRuntime<PacketLossAttributes> {
  #attributes: PacketLossAttributes;
  readonly #ctx: StageContext;
  #inBurst = false;

  constructor(attributes: PacketLossAttributes, ctx: StageContext) {
    this.#attributes = attributes;
    this.#ctx = ctx;
  }

  handle(item: StreamItem): void {
    if (item === END || !this.#drop()) this.#ctx.emit(item);
    this.#ctx.done();
  }

  #drop(): boolean {
    const { probability, burst } = this.#attributes;
    const draw = this.#ctx.random.next();
    if (burst <= 1) return draw < probability;
    if (probability >= 1) return true;
    const leaveBurst = 1 / burst;
    const enterBurst = Math.min(1, (probability * leaveBurst) / (1 - probability));
    this.#inBurst = this.#inBurst ? draw >= leaveBurst : draw < enterBurst;
    return this.#inBurst;
  }

  interrupt(): StreamItem[] {
    return [];
  }

  update(attributes: PacketLossAttributes): void {
    this.#attributes = attributes;
  }
}

export const packetLoss: ToxicKind<PacketLossAttributes> = {
  type: 'packet_loss',
  defaults: { probability: 0, burst: 0 },
  integerAttributes: false,
  extension: true,
  capacity: 1,
  validate: ({ probability, burst }) => {
    if (!(probability >= 0 && probability <= 1))
      return `packet_loss probability must be between 0 and 1, got ${probability}`;
    if (!(burst >= 0)) return `packet_loss burst must be >= 0 chunks, got ${burst}`;
    return undefined;
  },
  create: (attributes, ctx) => new PacketLossRuntime(attributes, ctx),
};
