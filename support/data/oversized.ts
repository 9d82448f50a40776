import { Readable } from 'node:stream';
import { type JsonPath, replaceAt, valuesOf } from './json-text.ts';

// An oversized body is the valid request with its longest string padded to the size asked for (100 MB and
// more), generated as it is sent: a stream of pieces cut from one seeded 64 KiB block, so the runner holds a
// few hundred KiB whatever the size (bench/data.ts measures it). The filler is JSON-safe text (the body stays
// well-formed JSON: too big is its only fault) but not base64, not a number, not a URL, so a service that
// skipped its size limit still refuses the content instead of working on it for minutes.

const BLOCK = 64 * 1024;
// '-' and '.' keep the filler from being valid base64 or a number.
const FILLER = 'abcdefghijklmnopqrstuvwxyz0123456789-.';
const MARK = '\u0000faultline-pad\u0000';

export interface OversizedBody {
  length: number;
  /** The string the filler went into. */
  padded: JsonPath;
  /** A fresh stream of the body's bytes on every call. */
  stream(): Readable;
}

export function oversizedBody(json: unknown, sizeBytes: number, random: () => number): OversizedBody {
  const strings = valuesOf(json).filter((l) => typeof l.value === 'string');
  const longest = strings.sort((a, b) => String(b.value).length - String(a.value).length)[0];
  let prefix: Buffer;
  let suffix: Buffer;
  let padded: JsonPath = [];
  if (longest) {
    padded = longest.path;
    const text = JSON.stringify(replaceAt(json, longest.path, `${String(longest.value)}${MARK}`));
    const [before = '', after = ''] = text.split(JSON.stringify(MARK).slice(1, -1));
    prefix = Buffer.from(before);
    suffix = Buffer.from(after);
  } else {
    // No string to pad: the body followed by whitespace, which JSON allows (still one valid document).
    prefix = Buffer.from(JSON.stringify(json));
    suffix = Buffer.alloc(0);
  }
  const fill = sizeBytes - prefix.length - suffix.length;
  if (fill < 0)
    throw new Error(
      `oversized to ${sizeBytes} bytes is smaller than the valid request itself (${prefix.length + suffix.length} bytes): choose a larger size`,
    );
  const block = Buffer.alloc(BLOCK);
  // Five filler characters per draw (38^5 < 2^32): the block costs a fifth of the draws.
  for (let i = 0; i < BLOCK; i += 5) {
    let draw = Math.floor(random() * FILLER.length ** 5);
    for (let j = i; j < Math.min(BLOCK, i + 5); j++) {
      block[j] = FILLER.charCodeAt(draw % FILLER.length);
      draw = Math.floor(draw / FILLER.length);
    }
  }
  if (!longest) block.fill(0x20);
  // Where each piece starts in the block: seeded, so the body is not one block repeated, yet reproducible.
  const offsets = Array.from({ length: 64 }, () => Math.floor(random() * BLOCK));
  return {
    length: sizeBytes,
    padded,
    stream: () => Readable.from(pieces(prefix, block, offsets, fill, suffix), { objectMode: false }),
  };
}

function* pieces(prefix: Buffer, block: Buffer, offsets: number[], fill: number, suffix: Buffer) {
  yield prefix;
  let left = fill;
  for (let i = 0; left > 0; i++) {
    const start = offsets[i % offsets.length] ?? 0;
    // Views into the one block: nothing is copied or allocated per piece.
    const piece = block.subarray(start, Math.min(BLOCK, start + left));
    left -= piece.length;
    yield piece;
  }
  if (suffix.length > 0) yield suffix;
}
