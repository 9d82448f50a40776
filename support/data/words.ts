import { parseSize, StepInputError } from '../parse.ts';
import { FAMILIES, type Family } from './mutators.ts';

// The words in the parentheses of "a client submits 20 malformed order requests (invalid JSON, wrong types)":
// which ways to break the request, checked before anything is sent. Each word names a family; a request
// takes the families in turn, and the seed picks the variant within one (truncated or unbalanced JSON …).

export interface MalformedKind {
  family: Family;
  /** The oversized family's size in bytes. */
  sizeBytes?: number;
}

/** The largest oversized body a step may ask for: the streamed generator's tested bound. */
export const MAX_OVERSIZED_BYTES = 1_000_000_000;

const SYNONYMS: Record<string, Family> = {
  'invalid json': 'invalid JSON',
  'missing fields': 'missing fields',
  'missing field': 'missing fields',
  'wrong types': 'wrong types',
  'wrong type': 'wrong types',
  'wrong encoding': 'wrong encoding',
  'wrong encodings': 'wrong encoding',
  'invalid utf-8': 'invalid UTF-8',
  'invalid utf8': 'invalid UTF-8',
};

const ACCEPTED = `${FAMILIES.filter((f) => f !== 'oversized').join(', ')}, oversized to <size> (e.g. oversized to 8 MB)`;

/** "invalid JSON, wrong encoding and oversized to 8 MB" → the kinds, in order; a bad word names what is accepted. */
export function malformedKinds(text: string): MalformedKind[] {
  const words = text
    .split(/\s*(?:,|\||\band\b|\bor\b)\s*/i)
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0) throw new StepInputError(`say how the requests are malformed: ${ACCEPTED}`);
  const kinds: MalformedKind[] = [];
  const bad: string[] = [];
  for (const word of words) {
    const oversized = word.match(/^oversized(?:\s+to\s+(.+))?$/i);
    if (oversized) {
      if (!oversized[1])
        throw new StepInputError(`'${word}' needs a size: write e.g. oversized to 8 MB (at most 1 GB)`);
      const sizeBytes = parseSize(oversized[1]);
      if (sizeBytes > MAX_OVERSIZED_BYTES || sizeBytes < 1)
        throw new StepInputError(`'${word}': an oversized body is between 1 B and 1 GB, got ${oversized[1]}`);
      kinds.push({ family: 'oversized', sizeBytes });
      continue;
    }
    const family = SYNONYMS[word.toLowerCase()];
    if (family) kinds.push({ family });
    else bad.push(`'${word}'`);
  }
  if (bad.length > 0)
    throw new StepInputError(
      `${bad.join(' and ')} ${bad.length === 1 ? 'is not a way' : 'are not ways'} to malform a request: write ${ACCEPTED}`,
    );
  return kinds;
}

/** "20" → 20: a whole number of malformed requests, at least one. */
export function malformedCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || count < 1 || count > 100_000)
    throw new StepInputError(
      `'${text}' is not a number of malformed requests: write a whole number from 1 to 100000`,
    );
  return count;
}
