// What travels through a link: chunks of bytes as they were read from the source socket, stamped with the
// time of the read, and one end-of-stream marker that follows the last chunk (so a close is ordered behind
// the data already in flight, exactly like the data itself).

export interface Chunk {
  data: Buffer;
  /** performance.now() of the read; latency toxics release relative to it and advance it by their delay. */
  receivedAt: number;
}

export const END: unique symbol = Symbol('end-of-stream');
export type StreamItem = Chunk | typeof END;
