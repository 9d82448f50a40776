import type { Environment } from '../env/environment.ts';
import type { FaultSpec } from '../faults/ledger.ts';
import type { DeclaredRequest, RequestContext } from '../system/system.ts';
import { type MemoryWatch, watchMemory } from './memory.ts';
import { type MalformedRequest, mutate } from './mutators.ts';
import { type MalformedAnswer, sendMalformed } from './send.ts';
import type { MalformedKind } from './words.ts';

// A flood of malformed requests as a fault of the ledger: time-stamped like any other (so "the error rate
// under fault" judges the well-formed requests sent meanwhile), proven by the service's own answers, counted
// in the coverage matrix against the service that received them. Its undo has nothing to put back: the
// requests are sent; what they did is what the verdicts judge.

/** How long the memory watch goes on after the last answer. */
const MEMORY_TAIL_MS = 300;

/** One step's flood, kept on the scenario for its verdicts. */
export interface Flood {
  /** The operation's name, as the step wrote it. */
  kind: string;
  service: string;
  seed: number;
  startedAt: number;
  endedAt?: number;
  answers: MalformedAnswer[];
  memory?: MemoryWatch;
}

export interface FloodOptions {
  env: Environment;
  kind: string;
  /** The system's declared request of that operation. */
  request: (ctx: RequestContext) => DeclaredRequest;
  kinds: readonly MalformedKind[];
  count: number;
  seed: number;
  nextId: () => string;
  random: (purpose: string) => () => number;
  /** Spread the requests evenly over this long (else sent as fast as `concurrency` allows). */
  overMs?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Receives the flood as soon as it starts, so a verdict finds it even if a step times out. */
  started: (flood: Flood) => void;
}

/**
 * The requests of a flood, by index: ids are drawn up front, in order, so the same step on a re-run sends
 * the same bytes whatever order the senders take them in; each body is made only when it is sent, so a
 * flood of 100 000 holds a handful at a time.
 */
export function floodRequests(
  options: Pick<FloodOptions, 'kinds' | 'count' | 'nextId' | 'random' | 'request'>,
): { count: number; at(i: number): MalformedRequest } {
  const ids = Array.from({ length: options.count }, () => options.nextId());
  return {
    count: options.count,
    at(i) {
      const { family, sizeBytes } = options.kinds[i % options.kinds.length] as MalformedKind;
      const id = ids[i] as string;
      const declared = options.request({ id, random: options.random(`operation:${id}`) });
      return mutate(family, declared, {
        id,
        random: options.random(`malformed:${id}`),
        ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      });
    },
  };
}

const formatBytes = (n: number) =>
  n >= 1_000_000
    ? `${(n / 1_000_000).toFixed(1)} MB`
    : n >= 1_000
      ? `${(n / 1_000).toFixed(1)} KB`
      : `${n} B`;

export function describeAnswer(a: MalformedAnswer): string {
  const took = `${a.answeredAt - a.sentAt} ms`;
  const got =
    a.status !== undefined
      ? `${a.status}${a.answer ? ` ${JSON.stringify(a.answer.slice(0, 120))}` : ''}`
      : `${a.outcome}: ${a.error ?? ''}`;
  return `${a.id}: ${a.description} (${formatBytes(a.bytes)}) → ${got} in ${took}`;
}

export function malformedFlood(options: FloodOptions): FaultSpec {
  const requests = floodRequests(options);
  if (requests.count === 0) throw new Error('a flood needs at least one malformed request');
  // The first request is made here, before the fault is applied: a declared request a mutator cannot work
  // on fails the step before anything is sent.
  const service = requests.at(0).service;
  const families = [...new Set(options.kinds.map((k) => k.family))].join(', ');
  return {
    kind: 'malformed-requests',
    description: `${options.count} malformed ${options.kind}s (${families}) to ${service}`,
    targets: [service],
    touches: [service],
    async apply() {
      const endpoint = options.env.endpoint(service);
      const flood: Flood = {
        kind: options.kind,
        service,
        seed: options.seed,
        startedAt: Date.now(),
        answers: [],
      };
      options.started(flood);
      flood.memory = await watchMemory(service, options.env.control(service));
      const t0 = Date.now();
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < requests.count; i = next++) {
          if (options.overMs !== undefined) {
            const due = t0 + (i * options.overMs) / requests.count;
            if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          }
          flood.answers[i] = await sendMalformed(endpoint, requests.at(i), options.timeoutMs ?? 10_000);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, requests.count) }, worker));
      } finally {
        // A little past the last answer: memory a service takes on after it answered still counts.
        await new Promise((resolve) => setTimeout(resolve, MEMORY_TAIL_MS));
        await flood.memory.stop();
        flood.endedAt = Date.now();
      }
      const answered = flood.answers.filter((a) => a.status !== undefined);
      if (answered.length === 0)
        throw new Error(
          `the malformed requests had no effect: none of the ${requests.count} reached ${service} (${flood.answers[0]?.error ?? 'no answer'})`,
        );
      return [
        `seed ${options.seed} (FAULTLINE_SEED=${options.seed} sends these bytes again); ${answered.length} of ${requests.count} answered by ${service}`,
        ...flood.answers.map(describeAnswer),
      ];
    },
    async undo() {},
  };
}
