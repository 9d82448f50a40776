// The contract between a link's pipeline and one toxic. A toxic kind describes its attributes (names, zero
// values, validation) and creates one *runtime* per link it is attached to. The pipeline feeds the runtime
// one item at a time and waits for `done()` before offering the next, like a goroutine reading a channel in
// upstream Toxiproxy; per-link state (limit_data's counter, bandwidth's budget) lives in the runtime object
// and so survives attribute updates.

import type { StreamItem } from '../chunk.ts';
import type { Random } from '../random.ts';

/** Toxic attributes: a flat object of numbers, in the key order the API reports them. */
export type Attributes = Record<string, number>;

export interface StageContext {
  /** This (connection, direction, toxic)'s own generator. */
  readonly random: Random;
  /** Pass an item on to the next stage (never blocks; back-pressure is applied between items). */
  emit(item: StreamItem): void;
  /** The current item is fully handled; the stage may take the next one. Call exactly once per item. */
  done(): void;
  /** Abort the whole connection with a TCP RST on both sockets. */
  resetConnection(): void;
}

export interface ToxicRuntime<A extends Attributes = Attributes> {
  /** Take one item. Must eventually call ctx.done(), possibly synchronously. */
  handle(item: StreamItem): void;
  /** The stage became active (attached, or restarted after an update). Start idle timers here. */
  start?(): void;
  /** Stop timers and give back what the current item still holds, unsent and in order (no data is lost). */
  interrupt(): StreamItem[];
  /** New attribute values; called between interrupt() and start(). */
  update(attributes: A): void;
  /**
   * The toxic is removed from a live link. Gets what the stage still held and queued, returns what to hand
   * to the next stage instead (default: all of it). timeout answers with an end-of-stream: upstream closes.
   */
  removed?(pending: StreamItem[]): StreamItem[];
}

export interface ToxicKind<A extends Attributes = Attributes> {
  readonly type: string;
  /** Zero values; also fixes which keys exist and their order in responses. */
  readonly defaults: A;
  /** Upstream's attributes are Go integers (fractions are rejected); the extensions take fractions. */
  readonly integerAttributes: boolean;
  /** Not a Shopify Toxiproxy toxic: a faultline extension. */
  readonly extension: boolean;
  /** How many items may wait in front of the stage before back-pressure reaches the previous one. */
  readonly capacity: number;
  /** A message for a 400 when the values would break the toxic (upstream Toxiproxy crashes on some). */
  validate(attributes: A): string | undefined;
  create(attributes: A, ctx: StageContext): ToxicRuntime<A>;
}
