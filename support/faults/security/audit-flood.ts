import { Agent, request } from 'undici';
import type { Flood } from '../../data/flood.ts';
import { watchMemory } from '../../data/memory.ts';
import type { Environment } from '../../env/environment.ts';
import type { AuditEvent, AuditedEvent } from '../../system/system.ts';
import type { FaultSpec } from '../ledger.ts';

// Audit overflow: a client outside the system causes auditable events at a steady rate (the system declares
// how: `audited` in its defineSystem, e.g. a registration refused and audited) for a while. A fault of the
// ledger like a data flood: its window is "under fault" for the SLO verdicts over the normal requests sent
// meanwhile, and the service's memory is watched for "the <service>'s memory stays within … of its
// baseline". Proven by the service's answers and by the system's own audit recording such events.

/** How many requests may be in flight at once; beyond it a request starts late (counted as such). */
const IN_FLIGHT = 256;
/** How long the memory watch goes on after the last answer: a backlog left behind still counts. */
const MEMORY_TAIL_MS = 500;
/** How long the audit is read for the first recorded event after the flood. */
const AUDIT_WAIT_MS = 3_000;

const agent = new Agent({ keepAliveTimeout: 4_000, connections: IN_FLIGHT });

export interface AuditFloodOptions {
  env: Environment;
  /** The event's words, as the step wrote them in the singular ("rejected registration"). */
  words: string;
  declared: AuditedEvent;
  perSecond: number;
  durationMs: number;
  seed: number;
  nextId: () => string;
  random: (purpose: string) => () => number;
  audit: (env: Environment, since: number) => Promise<AuditEvent[]>;
  started: (flood: Flood) => void;
}

/** What a flood caused, for the verdict on the audit: kept beside the data floods' record. */
export interface Caused {
  words: string;
  service: string;
  /** The audit event names that record one (see AuditedEvent.events). */
  events: readonly string[];
  /** Requests the service answered: each should have caused one audited event. */
  answered: number;
}

export const caused = new WeakMap<Flood, Caused>();

interface Tally {
  sent: number;
  late: number;
  statuses: Map<string, number>;
  slowestMs: number;
}

export function auditFlood(options: AuditFloodOptions): FaultSpec {
  const count = Math.round((options.perSecond * options.durationMs) / 1000);
  if (count < 1)
    throw new Error(
      `${options.perSecond} audited ${options.words}s per second for ${options.durationMs} ms is not one event: raise the rate or the duration`,
    );
  // The first request is made here, before anything is sent: a declaration that throws fails the step first.
  const first = options.declared.request({ id: 'audit-flood-check', random: options.random('audit flood') });
  const service = first.service;
  const events = options.declared.events;
  return {
    kind: 'audit-overflow',
    description: `${options.perSecond} audited ${options.words}s per second to ${service} for ${options.durationMs / 1000} s`,
    targets: [service],
    touches: [service],
    async apply() {
      const endpoint = options.env.endpoint(service);
      const flood: Flood = {
        kind: `audited ${options.words}`,
        service,
        seed: options.seed,
        startedAt: Date.now(),
        answers: [],
      };
      options.started(flood);
      const cause: Caused = { words: options.words, service, events, answered: 0 };
      caused.set(flood, cause);
      flood.memory = await watchMemory(service, options.env.control(service));
      const ids = Array.from({ length: count }, () => options.nextId());
      const tally: Tally = { sent: 0, late: 0, statuses: new Map(), slowestMs: 0 };
      const note = (what: string) => tally.statuses.set(what, (tally.statuses.get(what) ?? 0) + 1);
      const t0 = Date.now();
      let next = 0;
      let lastAnswerAt = t0;
      // Open loop: request i is due at t0 + i/rate whatever the service does; a sender that is behind
      // sends at once and the request counts as late (the client could not keep the rate).
      const sender = async () => {
        for (let i = next++; i < count; i = next++) {
          const due = t0 + (i * 1000) / options.perSecond;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          else if (wait < -100) tally.late++;
          const id = ids[i] as string;
          const r = options.declared.request({ id, random: options.random(`audited:${id}`) });
          const sentAt = Date.now();
          tally.sent++;
          try {
            const response = await request(`http://${endpoint.host}:${endpoint.port}${r.path}`, {
              dispatcher: agent,
              method: (r.method ?? 'POST') as 'POST',
              headers: { 'content-type': 'application/json', ...r.headers },
              body: JSON.stringify(r.json),
              signal: AbortSignal.timeout(5_000),
            });
            await response.body.dump();
            note(String(response.statusCode));
          } catch (error) {
            note((error as Error).name === 'TimeoutError' ? 'timeout' : 'no answer');
          }
          tally.slowestMs = Math.max(tally.slowestMs, Date.now() - sentAt);
          lastAnswerAt = Date.now();
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, sender));
      } finally {
        await new Promise((resolve) => setTimeout(resolve, MEMORY_TAIL_MS));
        await flood.memory.stop();
        flood.endedAt = Date.now();
      }
      const tookMs = Math.max(1, lastAnswerAt - t0);
      const answered = [...tally.statuses].filter(([s]) => /^\d+$/.test(s)).reduce((n, [, c]) => n + c, 0);
      cause.answered = answered;
      const statuses = [...tally.statuses].map(([s, c]) => `${c}× ${s}`).join(', ');
      if (answered === 0)
        throw new Error(
          `the audited ${options.words}s had no effect: none of the ${count} requests reached ${service} (${statuses})`,
        );
      // The system's own record: at least one event of the declared names since the flood began.
      let recorded: AuditEvent[] = [];
      const deadline = Date.now() + AUDIT_WAIT_MS;
      do {
        recorded = (await options.audit(options.env, flood.startedAt)).filter((e) =>
          events.includes(e.event),
        );
        if (recorded.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      } while (Date.now() < deadline);
      if (recorded.length === 0)
        throw new Error(
          `the audited ${options.words}s had no effect: ${service} answered ${statuses}, but its audit recorded no ${events.join(' or ')} event since the flood began (within ${AUDIT_WAIT_MS / 1000} s after it)`,
        );
      return [
        `seed ${options.seed}; ${tally.sent} requests in ${(tookMs / 1000).toFixed(1)} s (${((tally.sent * 1000) / tookMs).toFixed(0)}/s asked ${options.perSecond}/s; ${tally.late} sent late by more than 100 ms); answers: ${statuses}; slowest ${tally.slowestMs} ms`,
        `${service}'s audit recorded ${recorded.length} ${events.join('/')} event(s) since the flood began (read ${((Date.now() - flood.startedAt) / 1000).toFixed(1)} s after it began)`,
      ];
    },
    // Nothing to put back: the events were caused; what the system did with them is what the verdicts judge.
    async undo() {},
  };
}
