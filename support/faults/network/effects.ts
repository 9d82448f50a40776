import { parseDuration, parsePercent, parseSize, StepInputError } from '../../parse.ts';
import { BLACK_HOLE } from './partition.ts';
import type { Proof, Stream } from './toxic.ts';

// What a network step does to the links it names, read from its words: the proxy toxic, the streams it
// takes by default and how it proves itself. Every number is parsed strictly; a bad one fails the step
// naming the words and what is accepted, before anything is applied.

export interface Effect {
  /** The fault's kind in the ledger, the report and the audit events (`partition`, `latency`, …). */
  kind: string;
  /** What it does, for descriptions and plans ("black hole (both directions)"). */
  label: string;
  toxic: { type: string; attributes: Record<string, number> };
  /** Streams of "the link" / "the network" / a service it acts on ("the traffic from A to B" chooses its own). */
  streams: Stream[];
  proof: Proof;
  /** What the other side sees, for a plan's blast radius ("answers from redis arrive late"). */
  seen: (target: string) => string;
  /** A flapping link: down and up again every this many ms while it holds. */
  flapMs?: number;
}

const BOTH: Stream[] = ['upstream', 'downstream'];
/** Effects on what the named service sends back: a slow, thin or broken answer, the request untouched. */
const REPLIES: Stream[] = ['downstream'];

/** The alternation a step's regular expression matches the effect words with (effectWords reads them). */
export const EFFECT_WORDS =
  'unreachable|black-holed|refused|slowed by .+?|hit by a latency bomb .+?|.+? packet loss|limited to .+?|sliced into .+?|closed .+? late|cut after .+?|.+? byte corruption|flapping every .+?';

/** The one network fault step: "<where> is|are|has|have <effect> [for <duration>]" (steps/network.steps.ts). */
export const NETWORK_FAULT_STEP = `^(.+?) (?:is|are|has|have) (${EFFECT_WORDS})(?: for (.+))?$`;

const ACCEPTED =
  'unreachable, black-holed, refused, slowed by 300ms [with 100ms jitter], hit by a latency bomb from 10 ms to 5 s, has 5% packet loss, limited to 16 KB/s, sliced into 64 B pieces, closed 2 s late, cut after 1 KB, has 1% byte corruption, flapping every 1 s';

const fail = (words: string, why: string) => new StepInputError(`'${words}': ${why}`);

/** A whole number of some unit the proxy takes (its upstream attributes are integers). */
function whole(words: string, value: number, unit: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw fail(words, `the fault proxy takes a whole number of ${unit} of at least 1, got ${value}`);
  return value;
}

export function effectWords(words: string): Effect {
  const text = words.trim();
  if (text === 'unreachable' || text === 'black-holed')
    return {
      kind: 'unreachable',
      seen: (t) => `no answer from ${t}`,
      label: 'black hole',
      toxic: BLACK_HOLE,
      streams: BOTH,
      proof: { kind: 'silent' },
    };
  if (text === 'refused')
    return {
      kind: 'refused',
      seen: (t) => `connections to ${t} reset`,
      label: 'connections reset',
      // reset_peer with timeout 0: the first bytes in that direction are answered with a TCP RST.
      toxic: { type: 'reset_peer', attributes: { timeout: 0 } },
      streams: BOTH,
      proof: { kind: 'refused' },
    };
  let m = /^slowed by (.+?)(?: with (.+?) jitter)?$/.exec(text);
  if (m) {
    const latency = parseDuration(m[1]!);
    const jitter = m[2] === undefined ? 0 : parseDuration(m[2]);
    if (jitter > latency)
      throw fail(
        text,
        `a jitter of ${jitter} ms is more than the ${latency} ms latency: a delay cannot be negative; write a jitter up to the latency`,
      );
    return {
      kind: 'latency',
      seen: (t) => `answers from ${t} arrive late`,
      label: jitter ? `latency ${latency} ms ± ${jitter} ms` : `latency ${latency} ms`,
      toxic: { type: 'latency', attributes: { latency, jitter } },
      streams: REPLIES,
      proof: {
        kind: 'delayed',
        atLeastMs: latency - jitter,
        atMostMs: jitter ? latency + jitter : undefined,
      },
    };
  }
  m = /^hit by a latency bomb from (.+?) to (.+)$/.exec(text);
  if (m) {
    const low = parseDuration(m[1]!);
    const high = parseDuration(m[2]!);
    if (low > high)
      throw fail(
        `a latency bomb from ${m[1]} to ${m[2]}`,
        'the lower bound must come first, e.g. a latency bomb from 10 ms to 5 s',
      );
    // A seeded random delay per chunk in [low, high] is exactly what the proxy's latency toxic draws with
    // jitter: latency ± jitter, uniform whole ms from the connection's own seeded generator
    // (support/proxy/random.ts), so no new toxic kind is needed — and Shopify's Toxiproxy runs it too.
    // Its draw is [latency − jitter, latency + jitter), so half the range rounded up keeps every delay
    // inside [low, high] (the top millisecond is left out when the range's width is even).
    const half = Math.ceil((high - low) / 2);
    return {
      kind: 'latency bomb',
      seen: (t) => `answers from ${t} arrive randomly late`,
      label: `latency bomb ${low}–${high} ms per chunk (seeded)`,
      toxic: { type: 'latency', attributes: { latency: low + half, jitter: half } },
      streams: REPLIES,
      proof: { kind: 'delayed', atLeastMs: low, atMostMs: high },
    };
  }
  m = /^(.+?) packet loss$/.exec(text);
  if (m) {
    const loss = percent(text, m[1]!, 'a packet loss between 0% and 100%, e.g. 5% packet loss');
    return {
      kind: 'packet loss',
      seen: (t) => `data to and from ${t} lost`,
      label: `${m[1]!.trim()} packet loss (seeded)`,
      toxic: { type: 'packet_loss', attributes: { probability: loss, burst: 0 } },
      streams: BOTH,
      proof: {
        kind: 'installed',
        why: `a probe cannot tell a ${m[1]!.trim()} loss from none: the proof is the toxic in the proxy and the system's traffic through it`,
      },
    };
  }
  m = /^limited to (.+?)\s*\/\s*s$/i.exec(text);
  if (m) {
    const bytes = sizeOf(text, m[1]!, 'a rate such as 16 KB/s');
    // 1 KB = 1000 bytes, as the proxy counts its rate: KB/s is bytes per ms.
    const rate = whole(text, bytes / 1000, 'KB/s');
    return {
      kind: 'bandwidth',
      seen: (t) => `answers from ${t} throttled`,
      label: `bandwidth ${rate} KB/s`,
      toxic: { type: 'bandwidth', attributes: { rate } },
      streams: REPLIES,
      proof: { kind: 'throughput', bytesPerMs: rate },
    };
  }
  m = /^sliced into (.+?) pieces$/.exec(text);
  if (m) {
    const size = whole(text, sizeOf(text, m[1]!, 'a piece size such as 64 B'), 'bytes');
    return {
      kind: 'slicer',
      seen: (t) => `answers from ${t} in small pieces`,
      label: `sliced into ${size} B pieces`,
      // ± half the size, 1 ms apart: many small segments that a reader must reassemble.
      toxic: {
        type: 'slicer',
        attributes: { average_size: size, size_variation: Math.floor(size / 2), delay: 1000 },
      },
      streams: REPLIES,
      proof: { kind: 'sliced', size, largest: size + Math.floor(size / 2), delayMs: 1 },
    };
  }
  m = /^closed (.+?) late$/.exec(text);
  if (m) {
    const delay = parseDuration(m[1]!);
    return {
      kind: 'slow close',
      seen: (t) => `connections to ${t} close late`,
      label: `close held ${delay} ms`,
      toxic: { type: 'slow_close', attributes: { delay } },
      streams: REPLIES,
      proof: { kind: 'slow close', delayMs: delay },
    };
  }
  m = /^cut after (.+)$/.exec(text);
  if (m) {
    const bytes = whole(text, sizeOf(text, m[1]!, 'a size such as 1 KB or 512 B'), 'bytes');
    return {
      kind: 'cut after bytes',
      seen: (t) => `answers from ${t} cut short`,
      label: `connections cut after ${bytes} B`,
      toxic: { type: 'limit_data', attributes: { bytes } },
      streams: REPLIES,
      proof: { kind: 'cut', bytes },
    };
  }
  m = /^(.+?) byte corruption$/.exec(text);
  if (m) {
    const share = percent(
      text,
      m[1]!,
      'a share of corrupted bytes between 0% and 100%, e.g. 1% byte corruption',
    );
    return {
      kind: 'corruption',
      seen: (t) => `answers from ${t} corrupted`,
      label: `${m[1]!.trim()} of bytes corrupted (seeded)`,
      toxic: { type: 'corrupt', attributes: { probability: share } },
      streams: REPLIES,
      proof: {
        kind: 'installed',
        why: 'a corrupted byte may still make a reply: the proof is the toxic in the proxy and the system traffic through it',
      },
    };
  }
  m = /^flapping every (.+)$/.exec(text);
  if (m)
    return {
      kind: 'flap',
      seen: (t) => `${t} unreachable, then back, in turn`,
      label: `flapping: down, then up, every ${parseDuration(m[1]!)} ms`,
      toxic: BLACK_HOLE,
      streams: BOTH,
      proof: { kind: 'silent' },
      flapMs: parseDuration(m[1]!),
    };
  throw new StepInputError(`'${text}' is not a network fault; accepted: ${ACCEPTED}`);
}

function percent(text: string, words: string, accepted: string): number {
  let value: number | undefined;
  try {
    value = parsePercent(words);
  } catch {}
  // 0% would be a fault with nothing to prove.
  if (value === undefined || value === 0) throw fail(text, `write ${accepted}`);
  return value;
}

function sizeOf(text: string, words: string, accepted: string): number {
  try {
    return parseSize(words);
  } catch {
    throw fail(text, `write ${accepted} (B, KB, MB; 1 KB = 1000 B)`);
  }
}
