// What a fault is, as data: the one structured description of a fault step that every consumer reads —
// the plan (support/plan/meanings/*) fills it in from the step's words, and the Chaos Mesh translation
// (support/chaos-mesh/) turns it into Kubernetes objects. Prose (the plan's "fault" column) is for people;
// nothing parses it back. A shape says what faultline's own fault does; whether another engine has an
// equivalent is that engine's translation's business (a clear error there, never a silent drop).

/**
 * Which members of a service or group a fault strikes, by the name the system uses. `all`: every member
 * (or the service itself); `one`/`fixed`: that many members ("1 of the workers", "2 of the workers");
 * `fixed-percent`: that share of the members ("50% of the workers").
 */
export type Aim =
  | { name: string; mode: 'all' }
  | { name: string; mode: 'one' }
  | { name: string; mode: 'fixed'; count: number }
  | { name: string; mode: 'fixed-percent'; percent: number };

/** A network effect: faultline's effect kind (support/faults/network/effects.ts) and its toxic's figures. */
export interface NetworkEffect {
  kind: string;
  label: string;
  toxic: { type: string; attributes: Record<string, number> };
}

/**
 * One direction-aware link a network fault acts on, in Chaos Mesh's terms: `struck` is the side the fault
 * is injected into, `peer` the other end; `direction` which packets: `to` struck → peer, `from` peer →
 * struck, `both`.
 */
export interface StruckLink {
  struck: Aim;
  peer: string;
  direction: 'to' | 'from' | 'both';
}

export type FaultShape = (
  | { family: 'network'; effect: NetworkEffect; links: StruckLink[] }
  | {
      family: 'process';
      /** kill: SIGKILL; stop: SIGTERM; monkey: kills every `everyMs`; in-flight: killed mid-request. */
      action: 'kill' | 'stop' | 'pause' | 'restart' | 'monkey' | 'in-flight';
      aim: Aim;
    }
  | { family: 'dns'; vantage: Aim; name: string; failure: 'NXDOMAIN' | 'SERVFAIL' | 'no answer' }
  | {
      family: 'certificate';
      /** `expires`: valid now, expiring in `expiresInMs`; otherwise the problem it presents. */
      problem: string;
      expiresInMs?: number;
      aim: Aim;
    }
  | {
      family: 'server certificate';
      /** What is wrong with the TLS server certificate the service presents (expired, …). */
      problem: string;
      aim: Aim;
    }
  | { family: 'clock'; offsetMs: number; aim: Aim }
  | { family: 'store'; action: string; aim: Aim }
  | { family: 'replica'; action: 'fails' | 'promoted'; aim: Aim }
  | {
      family: 'resource';
      aim: Aim;
      cpu?: { workers: number; loadPercent: number };
      memory?: { workers: number; bytes: number };
    }
  | {
      family: 'disk';
      aim: Aim;
      /** latency: each file operation delayed; error: it fails with `errno`. */
      action: 'latency' | 'error';
      path?: string;
      delayMs?: number;
      errno?: number;
      percent?: number;
    }
  | {
      family: 'http';
      aim: Aim;
      /** Request: acts before the service handles it; Response: on what it sends back. */
      on: 'Request' | 'Response';
      path?: string;
      method?: string;
      abort?: boolean;
      delayMs?: number;
      status?: number;
    }
) & {
  /** Heals by itself after this long; until rollback when absent. */
  durationMs?: number;
};

/** The aim of a target phrase read by support/system/words.ts (`targetWords`). */
export function aimOf(targets: {
  group?: string;
  members: readonly string[];
  count: number;
  percent?: number;
}): Aim {
  if (targets.group === undefined) return { name: targets.members[0]!, mode: 'all' };
  if (targets.percent !== undefined)
    return targets.percent >= 100
      ? { name: targets.group, mode: 'all' }
      : { name: targets.group, mode: 'fixed-percent', percent: targets.percent };
  return aimAt(targets.group, targets.count, targets.members.length);
}

/** N members of a group of `size` (size unknown: as many as asked). */
export function aimAt(group: string, count: number, size?: number): Aim {
  if (size !== undefined && count >= size) return { name: group, mode: 'all' };
  if (count === 1) return { name: group, mode: 'one' };
  return { name: group, mode: 'fixed', count };
}
