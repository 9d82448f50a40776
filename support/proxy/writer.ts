// The end of a link: writes chunks to the destination socket in order and, on end-of-stream, closes that
// socket fully (FIN once the buffered bytes are flushed, then the descriptor). Closing it makes the opposite
// link's read end, which is how one EOF ends up closing the whole connection, as in upstream Toxiproxy.

import type { Socket } from 'node:net';
import { END, type StreamItem } from './chunk.ts';
import type { Sink } from './stage.ts';

/**
 * How many bytes may wait in the destination socket's own buffer before the link stops reading its source.
 * Far above Node's 16 KiB default: pausing at every 64 KiB read costs a readStop/readStart pair of system
 * calls per chunk and leaves the kernel's send buffer idle between them, which halves throughput.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;

export class SocketWriter implements Sink {
  readonly #dest: Socket;
  /** Called when the socket drained, to restart whoever feeds the writer. */
  wakeProducer: () => void = () => {};
  #sent = 0;
  #blocked = false;
  #ended = false;
  /** The destination failed; like upstream, a failed link's sent bytes are not counted. */
  #failed = false;

  constructor(dest: Socket) {
    this.#dest = dest;
    dest.once('error', () => {
      this.#failed = true;
    });
    dest.on('drain', () => {
      this.#blocked = false;
      this.wakeProducer();
    });
  }

  /** Bytes handed to the socket (Toxiproxy's "sent" metric); 0 if the destination failed. */
  get sent(): number {
    return this.#failed ? 0 : this.#sent;
  }

  /** Whether the last write is still queued in the socket (so its buffer is still referenced). */
  get queued(): boolean {
    return this.#dest.writableLength > 0;
  }

  hasRoom(): boolean {
    return !this.#blocked;
  }

  push(item: StreamItem): void {
    if (item === END) this.end();
    else this.write(item.data);
  }

  /** Returns false once the socket's buffer is full (the caller should stop reading its source). */
  write(data: Buffer): boolean {
    if (this.#ended || this.#dest.destroyed) return true;
    this.#sent += data.length;
    this.#dest.write(data);
    // 'drain' follows once the buffer empties (the write above returned false past 16 KiB, so Node owes us one).
    if (this.#dest.writableLength >= WRITE_BUFFER_BYTES) this.#blocked = true;
    return !this.#blocked;
  }

  /**
   * Run `flush` with the socket corked, so the many small chunks a removed toxic hands back (e.g. everything
   * a latency toxic held) leave in one writev instead of one system call each.
   */
  batch(flush: () => void): void {
    const dest = this.#dest;
    if (dest.destroyed) {
      flush();
      return;
    }
    dest.cork();
    try {
      flush();
    } finally {
      dest.uncork();
    }
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const dest = this.#dest;
    if (dest.destroyed) return;
    dest.end(() => dest.destroy());
  }
}
