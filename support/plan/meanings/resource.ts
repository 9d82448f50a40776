import { processServiceWords } from '../../faults/resource/bounds.ts';
import { cpuWords, diskWords, leakWords, memoryWords, RESOURCE_STEPS } from '../../faults/resource/words.ts';
import type { FaultShape } from '../../faults/shape.ts';
import { parseDuration, parsePercent, parseSize } from '../../parse.ts';
import { targetWords } from '../../system/words.ts';
import {
  describe,
  formatDuration,
  lastingMs,
  lasts,
  type Meaning,
  type PlanNotes,
  text,
  words,
} from '../meaning.ts';
import { noteTarget } from './process.ts';

/** The shape's duration: "for D" heals by itself, none holds until rollback. */
const durationOf = (lasting: unknown) => {
  const ms = lastingMs(lasting);
  return ms === undefined ? {} : { durationMs: ms };
};

type Stress = Omit<Extract<FaultShape, { family: 'resource' }>, 'family' | 'aim'>;

/**
 * The plan of a resource fault on a phrase, its words first checked as process services (a store is
 * refused). `stress`: what Chaos Mesh's StressChaos does alike (a hog, memory held); the others (a quota, a
 * cap, a leak, a lowered limit) have no shape, so elsewhere than here they are reported as having no
 * equivalent.
 */
function aimed(
  notes: PlanNotes,
  phrase: string,
  fault: string,
  duration: string,
  effect: string,
  stress?: Stress,
): void {
  words(notes, (t) => processServiceWords(t, targetWords(t, phrase).members, 'a resource fault'));
  const aim = noteTarget(notes, phrase, fault, duration, effect);
  if (stress) describe(notes, { family: 'resource', aim, ...stress });
}

// Resource faults on services: what each step strikes, for how long, and its blast radius. The figures are
// read and bounded by the same functions as the step's (a figure beyond this machine fails the plan too),
// the target phrase by the same grammar ("worker-1", "the workers", "2 of the workers").

const undone = (lasting: unknown, what: string) =>
  lasting === undefined || lasting === null
    ? `until rollback (${what})`
    : `${formatDuration(parseDuration(text(lasting)))}, then ${what}`;

export const RESOURCE: Record<string, Meaning> = {
  [RESOURCE_STEPS.cpuQuota]: {
    kind: 'fault',
    note: ([phrase, percent, lasting], notes: PlanNotes) => {
      cpuWords(text(percent));
      aimed(
        notes,
        text(phrase),
        `CPU quota: ${(parsePercent(text(percent)) * 100).toFixed(1).replace(/\.0$/, '')}% of a CPU (cgroup cpu.cfs_quota_us)`,
        undone(lasting, 'quota lifted'),
        'throttled: answers slowly',
      );
    },
  },
  [RESOURCE_STEPS.cpuHog]: {
    kind: 'fault',
    note: ([phrase, lasting], notes) =>
      aimed(
        notes,
        text(phrase),
        'CPU hog at 100% pinned on its CPU, in its group (stress-ng)',
        undone(lasting, 'hog killed'),
        'shares one CPU with a hog',
        { cpu: { workers: 1, loadPercent: 100 }, ...durationOf(lasting) },
      ),
  },
  [RESOURCE_STEPS.memoryLimit]: {
    kind: 'fault',
    note: ([phrase, size, above, lasting], notes) => {
      memoryWords(text(size), 'a memory cap');
      aimed(
        notes,
        text(phrase),
        `memory cap: ${formatSize(text(size))}${above ? ' above its use' : ''} (cgroup memory.limit_in_bytes)`,
        undone(lasting, 'cap lifted'),
        'OOM-killed once it needs more',
      );
    },
  },
  [RESOURCE_STEPS.memoryPressure]: {
    kind: 'fault',
    note: ([size, phrase, lasting], notes) => {
      memoryWords(text(size), 'memory pressure');
      aimed(
        notes,
        text(phrase),
        `memory pressure: ${formatSize(text(size))} held in its group`,
        undone(lasting, 'released'),
        'less memory headroom',
        { memory: { workers: 1, bytes: parseSize(text(size)) }, ...durationOf(lasting) },
      );
    },
  },
  [RESOURCE_STEPS.connectionLeak]: {
    kind: 'fault',
    note: ([phrase, rate, lasting], notes) => {
      const { perSecond, forMs } = leakWords(text(rate), text(lasting));
      aimed(
        notes,
        text(phrase),
        `connection leak: ${perSecond} per second (${Math.ceil((perSecond * forMs) / 1000)} held at the end)`,
        `${formatDuration(forMs)}, then closed`,
        'connections and file descriptors pile up',
      );
    },
  },
  [RESOURCE_STEPS.openFiles]: {
    kind: 'fault',
    note: ([phrase, lasting], notes) =>
      aimed(
        notes,
        text(phrase),
        'open-files limit below its use (prlimit RLIMIT_NOFILE)',
        lasts(lasting, 'heals'),
        'no new file or connection opens',
      ),
  },
  // Not through aimed(): a data disk belongs to a store or a process service alike. No Chaos Mesh shape:
  // IOChaos injects errors into a pod's file calls, which is not a filesystem filling up.
  [RESOURCE_STEPS.diskFull]: {
    kind: 'fault',
    note: ([service, percent, lasting], notes) => {
      const given = percent === undefined || percent === null ? undefined : text(percent);
      words(notes, (t) => diskWords(t, text(service), given));
      noteTarget(
        notes,
        text(service),
        given === undefined
          ? 'disk full: its data disk filled by a ballast file'
          : `disk filled to ${given} by a ballast file`,
        undone(lasting, 'ballast deleted'),
        'its writes fail with ENOSPC',
      );
    },
  },
};

/** "64 MB" as written, checked. */
function formatSize(size: string): string {
  parseSize(size);
  return size.trim();
}
