import { pct } from '../checks/figures.ts';
import type { FaultShape } from '../faults/shape.ts';
import { parseDuration } from '../parse.ts';
import type { System } from '../system/system.ts';
import { isDeclared, type Topology } from '../system/topology.ts';
import { coordinatedWords, memberWord } from '../system/words.ts';

// The shape of a step's meaning for a plan, and the phrases every fault family's meanings share: how many
// members a fault strikes of which group, how long it lasts, what it touches. Each family's meanings live
// beside this file (meanings/), the steady-state, load and verdict ones in vocabulary.ts, which joins them.

export type StepKind = 'steady state' | 'fault' | 'load' | 'client' | 'wait' | 'abort' | 'verdict';

export interface PlannedFault {
  fault: string;
  targets: string;
  duration: string;
  blastRadius: string;
  /** How many members the fault strikes, and of how many (when the scenario declares the group's size). */
  members: number;
  of?: number;
  /** The group struck, or the service itself when it belongs to none. */
  group: string;
  /**
   * What the fault is, as data (support/faults/shape.ts): what `plan --emit chaos-mesh` translates. Absent
   * when the step's words could not be read against a system (no topology) or the step has none yet.
   */
  shape?: FaultShape;
}

/** What the plan learns from a scenario's steps, in order. */
export interface PlanNotes {
  /** Members per group, from the steady-state step ("5 registered workers" → workers: 5). */
  scale: Record<string, number>;
  system: string[];
  faults: PlannedFault[];
  loads: string[];
  aborts: string[];
  /**
   * The topology the scenario would run, at its scale so far (set by the planner before each step); absent
   * when no system could be loaded (reported once), and then words go unchecked.
   */
  topology?: Topology;
  /** The operations the scenario's system declares, when it is known (load steps name one). */
  operations?: readonly string[];
  /** The operations the system declares records for (how to read back what each did), when it is known. */
  records?: readonly string[];
  /** The operations' declared requests (what data faults malform), when the system is known. */
  requests?: System['requests'];
  /** The system's auditable events (null: the system is known and declares none). */
  audited?: System['audited'] | null;
  /**
   * The system's store credentials, when known before the run (undefined: unknown, or set by its prepare()):
   * how a rotation tells it.
   */
  credentials?: System['credentials'];
}

export interface Meaning {
  kind: StepKind;
  /** Reads the step's arguments into the notes; throws (with what is accepted) on a malformed one. */
  note?: (args: readonly unknown[], notes: PlanNotes) => void;
  /**
   * Why `faultline export chaostoolkit` leaves the step out, for a steady-state step that is not the
   * topology's own (exported as `faultline status --steady-state`, which would not check what it says).
   */
  notExported?: string;
}

/** 30000 → "30 s", 500 → "500 ms", 90000 → "1.5 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))} s`;
  return `${Number((ms / 60_000).toFixed(2))} min`;
}

export const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
export const count = (value: unknown): number => Number(value);

/** How many members a group has in the scenario: its topology's, else what its steady-state step declared. */
export function sizeOf(group: string, notes: PlanNotes): number | undefined {
  const members = notes.topology?.services.filter((s) => 'group' in s && s.group === group).length;
  return members || notes.scale[group];
}

/** "3 of 5 workers (60%)", or "3 workers (group size not declared)" without a system or steady-state step. */
export function blastRadius(members: number, group: string, notes: PlanNotes, effect: string): string {
  const size = sizeOf(group, notes);
  const share =
    size === undefined
      ? `${members} ${group} (group size not declared)`
      : `${members} of ${size} ${group} (${pct(members / size)})`;
  return `${share}: ${effect}`;
}

/** "N of the <coordinator>'s <group>": the group, its words checked against the scenario's topology. */
export function coordinated(
  notes: PlanNotes,
  coordinator: unknown,
  members: unknown,
  group: unknown,
): string {
  if (!notes.topology) return text(group);
  return coordinatedWords(notes.topology, text(coordinator), count(members), text(group)).group;
}

/** Checks a step's words when the scenario's topology is known. */
export function words(notes: PlanNotes, check: (topology: Topology) => unknown): void {
  if (notes.topology) check(notes.topology);
}

export function strike(
  notes: PlanNotes,
  fault: string,
  members: number,
  group: string,
  targets: string,
  duration: string,
  effect: string,
): void {
  const size = sizeOf(group, notes);
  if (size !== undefined && (members < 1 || members > size))
    throw new Error(`cannot strike ${members} of ${size} ${group}: choose between 1 and ${size}`);
  notes.faults.push({
    fault,
    targets,
    duration,
    blastRadius: blastRadius(members, group, notes, effect),
    members,
    ...(size === undefined ? {} : { of: size }),
    group,
  });
}

/** The group a member word belongs to, from the topology (or, without one, among the declared scales). */
export function groupOf(member: string, notes: PlanNotes): string {
  if (notes.topology) return memberWord(notes.topology, member);
  return Object.keys(notes.scale).find((g) => g === member || g === `${member}s`) ?? member;
}

/** The group a service is a member of, when the scenario's topology is known and it has one. */
export const groupOfService = (notes: PlanNotes, name: string): string | undefined => {
  const found = notes.topology?.services.find((s) => s.name === name);
  return found && isDeclared(found) ? found.group : undefined;
};

/**
 * A fault on one named service: a member counts against its group ("1 of 5 workers (20%): effect"); any
 * other service stands alone (`alone`, else "target: effect").
 */
export function hit(
  notes: PlanNotes,
  fault: string,
  target: string,
  targets: string,
  duration: string,
  effect: string,
  alone = `${target}: ${effect}`,
) {
  const group = groupOfService(notes, target);
  if (group !== undefined) return strike(notes, fault, 1, group, targets, duration, effect);
  notes.faults.push({
    fault,
    targets,
    duration,
    blastRadius: alone,
    members: 1,
    of: 1,
    group: target,
  });
}

/** "<a> and <b>" of a partition: the side the fault cuts off is a group's member if either is one, else b. */
export const cutSide = (notes: PlanNotes, a: string, b: string): [string, string] =>
  groupOfService(notes, a) !== undefined && groupOfService(notes, b) === undefined ? [a, b] : [b, a];

/** Attaches the fault's shape to the fault the meaning just noted (the last one). */
export function describe(notes: PlanNotes, shape: FaultShape | undefined): void {
  const fault = notes.faults.at(-1);
  if (fault && shape) fault.shape = shape;
}

/** The duration of "for <duration>" in ms, or undefined (until rollback). */
export const lastingMs = (lasting: unknown): number | undefined =>
  lasting === undefined || lasting === null ? undefined : parseDuration(text(lasting));

/** "4 s, then heals" for a fault that lasts a while; until rollback otherwise. */
export const lasts = (lasting: unknown, undo: 'heals' | 'restarted'): string =>
  lasting === undefined || lasting === null
    ? `${UNTIL_ROLLBACK}${undo === 'restarted' ? ' (restarted)' : ''}`
    : `${formatDuration(parseDuration(text(lasting)))}, then ${undo}`;

export const UNTIL_ROLLBACK = 'until rollback';
