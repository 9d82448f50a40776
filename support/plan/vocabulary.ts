import { pct } from '../checks/figures.ts';
import { parsePercentile } from '../checks/latency.ts';
import { parseProblem } from '../faults/tls/certificate.ts';
import { describeCondition } from '../load/abort.ts';
import { operationKind, planFromWords } from '../load/phrases.ts';
import { parseDuration, parsePercent } from '../parse.ts';
import { isDeclared, type Topology } from '../system/topology.ts';
import {
  coordinatedWords,
  coordinatorAndMember,
  groupWord,
  linkedWords,
  linkWords,
  memberWord,
  scaleWords,
  serviceWord,
  steadyStateWords,
  subjectWord,
} from '../system/words.ts';

// What each step of the vocabulary means for an experiment's plan, keyed by the step definition's pattern
// as written in steps/. The plan reads a scenario without running it: the steady state says how big each
// group is, a fault step says what it strikes, for how long, and so how much of the system it can hurt.
// test/plan/vocabulary.test.ts fails when a step definition has no entry here (or an entry no definition),
// so a new fault step cannot silently drop out of plans. A step that names services or groups checks its
// words with the same functions the step itself runs (support/system/words.ts), against the topology the
// scenario would start: the plan knows no system's words of its own.

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
}

export interface Meaning {
  kind: StepKind;
  /** Reads the step's arguments into the notes; throws (with what is accepted) on a malformed one. */
  note?: (args: readonly unknown[], notes: PlanNotes) => void;
}

/** 30000 → "30 s", 500 → "500 ms", 90000 → "1.5 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))} s`;
  return `${Number((ms / 60_000).toFixed(2))} min`;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
const count = (value: unknown): number => Number(value);

/** How many members a group has in the scenario: its topology's, else what its steady-state step declared. */
function sizeOf(group: string, notes: PlanNotes): number | undefined {
  const members = notes.topology?.services.filter((s) => 'group' in s && s.group === group).length;
  return members || notes.scale[group];
}

/** "3 of 5 workers (60%)", or "3 workers (group size not declared)" without a system or steady-state step. */
function blastRadius(members: number, group: string, notes: PlanNotes, effect: string): string {
  const size = sizeOf(group, notes);
  const share =
    size === undefined
      ? `${members} ${group} (group size not declared)`
      : `${members} of ${size} ${group} (${pct(members / size)})`;
  return `${share}: ${effect}`;
}

/** "N of the <coordinator>'s <group>": the group, its words checked against the scenario's topology. */
function coordinated(notes: PlanNotes, coordinator: unknown, members: unknown, group: unknown): string {
  if (!notes.topology) return text(group);
  return coordinatedWords(notes.topology, text(coordinator), count(members), text(group)).group;
}

/** Checks a step's words when the scenario's topology is known. */
function words(notes: PlanNotes, check: (topology: Topology) => unknown): void {
  if (notes.topology) check(notes.topology);
}

function strike(
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
function groupOf(member: string, notes: PlanNotes): string {
  if (notes.topology) return memberWord(notes.topology, member);
  return Object.keys(notes.scale).find((g) => g === member || g === `${member}s`) ?? member;
}

/** The group a service is a member of, when the scenario's topology is known and it has one. */
const groupOfService = (notes: PlanNotes, name: string): string | undefined => {
  const found = notes.topology?.services.find((s) => s.name === name);
  return found && isDeclared(found) ? found.group : undefined;
};

/**
 * A fault on one named service: a member counts against its group ("1 of 5 workers (20%): effect"); any
 * other service stands alone (`alone`, else "target: effect").
 */
function hit(
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
const cutSide = (notes: PlanNotes, a: string, b: string): [string, string] =>
  groupOfService(notes, a) !== undefined && groupOfService(notes, b) === undefined ? [a, b] : [b, a];

/** "4 s, then heals" for a fault that lasts a while; until rollback otherwise. */
const lasts = (lasting: unknown, undo: 'heals' | 'restarted'): string =>
  lasting === undefined || lasting === null
    ? `${UNTIL_ROLLBACK}${undo === 'restarted' ? ' (restarted)' : ''}`
    : `${formatDuration(parseDuration(text(lasting)))}, then ${undo}`;

const UNTIL_ROLLBACK = 'until rollback';

/** The system's name as the plan shows it, when the scenario's topology is known. */
const systemName = (notes: PlanNotes): string => notes.topology?.name ?? 'the system';

function load(
  notes: PlanNotes,
  words: Parameters<typeof planFromWords>[0],
  kind: string,
  background: boolean,
): string {
  // The same check the load step makes: the operation must be one the system declares.
  if (notes.operations) operationKind(kind, notes.operations);
  const plan = planFromWords(words);
  const shape =
    plan.shape.loop === 'closed'
      ? `${plan.shape.clients} concurrent client(s)`
      : `${plan.shape.ratePerSecond} requests/s (open loop, at most ${plan.shape.maxInFlight} in flight)`;
  const amount = [
    plan.count === undefined ? undefined : `${plan.count} operations`,
    plan.durationMs === undefined ? undefined : `for ${formatDuration(plan.durationMs)}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `${shape}: ${kind}, ${amount}${background ? ', in the background' : ''}`;
}

export const VOCABULARY: Record<string, Meaning> = {
  // steady state
  'a healthy {word} with {int} registered {word}': {
    kind: 'steady state',
    note: ([coordinator, members, groupText], notes) => {
      const group = notes.topology
        ? steadyStateWords(notes.topology, text(coordinator), count(members), text(groupText)).group
        : text(groupText);
      notes.scale[group] = count(members);
      notes.system.push(`${text(coordinator)} with ${count(members)} ${group}`);
    },
  },

  'the system is running': {
    kind: 'steady state',
    note: (_, notes) => void notes.system.push(`${systemName(notes)} as declared`),
  },
  'the system is running with {int} {word}': {
    kind: 'steady state',
    note: ([members, groupText], notes) => {
      const scale = notes.topology
        ? scaleWords(notes.topology, count(members), text(groupText))
        : { [text(groupText)]: count(members) };
      Object.assign(notes.scale, scale);
      const [group] = Object.keys(scale);
      notes.system.push(`${systemName(notes)} with ${count(members)} ${group}`);
    },
  },

  // abort conditions
  '^abort if the error rate exceeds (.+)$': {
    kind: 'abort',
    note: ([bound], notes) => {
      notes.aborts.push(describeCondition({ kind: 'error rate', above: parsePercent(text(bound)) }));
    },
  },
  '^abort if (?:the )?(?!error rate\\b)(\\S+)(?: latency)? exceeds (.+)$': {
    kind: 'abort',
    note: ([p, bound], notes) => {
      notes.aborts.push(
        describeCondition({
          kind: 'latency',
          percentile: parsePercentile(text(p)),
          aboveMs: parseDuration(text(bound)),
        }),
      );
    },
  },

  // faults
  'the network between the {word} and {int} of its {word} is partitioned for {duration}': {
    kind: 'fault',
    note: ([coordinator, members, group, ms], notes) =>
      strike(
        notes,
        'network partition (black hole, both directions)',
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        `${formatDuration(count(ms))}, then heals`,
        'unreachable from the coordinator',
      ),
  },
  "^(\\d+) of the (\\S+?)'s (\\S+) respond (.+?) slower(?: for (.+))?$": {
    kind: 'fault',
    note: ([members, coordinator, group, delay, lasting], notes) =>
      strike(
        notes,
        `latency +${formatDuration(parseDuration(text(delay)))} on responses`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        lasting ? `${formatDuration(parseDuration(text(lasting)))}, then heals` : UNTIL_ROLLBACK,
        'answers arrive late',
      ),
  },
  '^the network between (?:the )?(\\S+) and (?:the )?(?!\\d+ of its )(\\S+) is partitioned(?: for (.+))?$': {
    kind: 'fault',
    note: ([a, b, lasting], notes) => {
      words(notes, (t) => linkedWords(t, text(a), text(b)));
      const [cut, other] = cutSide(notes, text(a), text(b));
      hit(
        notes,
        'network partition (black hole, both directions)',
        cut,
        `every link between ${text(a)} and ${text(b)}`,
        lasts(lasting, 'heals'),
        `cut off from ${other}`,
        `${text(a)} ↔ ${text(b)}: unreachable from each other`,
      );
    },
  },
  '^the link from (?:the )?(\\S+) to (?:the )?(\\S+) is slowed by (.+?)(?: for (.+))?$': {
    kind: 'fault',
    note: ([from, to, delay, lasting], notes) => {
      const fault = `latency +${formatDuration(parseDuration(text(delay)))} on responses`;
      words(notes, (t) => linkWords(t, text(from), text(to)));
      hit(
        notes,
        fault,
        text(to),
        `the link ${text(from)} → ${text(to)}`,
        lasts(lasting, 'heals'),
        `answers to ${text(from)} arrive late`,
        `${text(from)}: answers from ${text(to)} arrive late`,
      );
    },
  },
  '^(?:the )?(\\S+) is killed with SIGKILL(?: for (.+))?$': {
    kind: 'fault',
    note: ([target, lasting], notes) => {
      words(notes, (t) => serviceWord(t, text(target)));
      hit(notes, 'SIGKILL', text(target), text(target), lasts(lasting, 'restarted'), 'process killed');
    },
  },
  '^the (\\S+) handling it is killed with SIGKILL (.+) in$': {
    kind: 'fault',
    note: ([member, after], notes) =>
      strike(
        notes,
        `SIGKILL ${formatDuration(parseDuration(text(after)))} into its work`,
        1,
        groupOf(text(member), notes),
        `the ${text(member)} holding the in-flight request`,
        `${UNTIL_ROLLBACK} (restarted)`,
        'process killed mid-request',
      ),
  },
  "^(\\d+) of the (\\S+?)'s (\\S+) presents? a certificate that is (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, problem], notes) =>
      strike(
        notes,
        `certificate ${parseProblem(text(problem)).kind}`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused',
      ),
  },
  "^the certificate of (\\d+) of the (\\S+?)'s (\\S+) expires in (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, within], notes) =>
      strike(
        notes,
        `certificate expires in ${formatDuration(parseDuration(text(within)))}`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused once expired',
      ),
  },

  // load and clients
  '^(\\d+) concurrent clients? (submits?|start submitting) (?!.* at \\S+ requests? per second)(?:(\\d+) )?(.+?)(?: for (.+?))?(?: with an? (.+?) timeout)?$':
    {
      kind: 'load',
      note: ([clients, verb, amount, kind, duration, timeout], notes) => {
        notes.loads.push(
          load(
            notes,
            {
              clients: count(clients),
              count: amount === undefined || amount === null ? undefined : count(amount),
              duration: duration ? text(duration) : undefined,
              timeout: timeout ? text(timeout) : undefined,
            },
            text(kind),
            text(verb).startsWith('start'),
          ),
        );
      },
    },
  '^(?:(\\d+) concurrent )?clients (submit|start submitting) (?:(\\d+) )?(.+?) at (\\S+) requests? per second(?: for (.+?))?(?: with an? (.+?) timeout)?$':
    {
      kind: 'load',
      note: ([clients, verb, amount, kind, rate, duration, timeout], notes) => {
        notes.loads.push(
          load(
            notes,
            {
              clients: clients === undefined || clients === null ? undefined : count(clients),
              rate: text(rate),
              count: amount === undefined || amount === null ? undefined : count(amount),
              duration: duration ? text(duration) : undefined,
              timeout: timeout ? text(timeout) : undefined,
            },
            text(kind),
            text(verb) !== 'submit',
          ),
        );
      },
    },
  '^a client submits an? (.+)$': {
    kind: 'client',
    note: ([words], n) => void n.loads.push(`1 request: ${text(words)}`),
  },
  '^a client starts submitting an? (.+)$': {
    kind: 'client',
    note: ([words], n) => void n.loads.push(`1 request in flight: ${text(words)}`),
  },
  '^a client submits the same (.+) (\\d+) times at once$': {
    kind: 'client',
    note: ([words, times], n) => void n.loads.push(`${count(times)} duplicates at once: ${text(words)}`),
  },
  'the request has completed': { kind: 'wait' },
  'the load has run for {duration}': { kind: 'wait' },
  'the load has finished': { kind: 'wait' },
  '^(\\d+) more (.+?) are all served by the other (\\S+)$': {
    kind: 'verdict',
    note: ([times, kind, group], n) => {
      words(n, (t) => groupWord(t, text(group)));
      n.loads.push(`${count(times)} more: ${text(kind)}`);
    },
  },

  // verdicts
  "^the (\\S+) rejects the (\\S+?)'s certificate as (\\S+) within (.+)$": {
    kind: 'verdict',
    note: ([coordinator, member], n) =>
      words(n, (t) => coordinatorAndMember(t, text(coordinator), text(member))),
  },
  'the {word} logs that certificate renewal is required': {
    kind: 'verdict',
    note: ([member], n) => words(n, (t) => memberWord(t, text(member))),
  },
  'the {word} opens the breaker of the slow {word}': {
    kind: 'verdict',
    note: ([coordinator, member], n) =>
      words(n, (t) => coordinatorAndMember(t, text(coordinator), text(member))),
  },
  'traffic shifts away from the slow {word}': {
    kind: 'verdict',
    note: ([member], n) => words(n, (t) => memberWord(t, text(member))),
  },
  '^(\\S+) latency(?: (.+?))? is below (.+)$': { kind: 'verdict' },
  '^(\\S+)(?: latency)? under fault is at most (\\S+) times the baseline$': { kind: 'verdict' },
  '^the error rate(?: (.+?))? is below (.+?)(, not counting unknown outcomes)?$': { kind: 'verdict' },
  '^at least (\\S+?)(?: of (?:the )?(?:operations|requests))?(?: (.+?))? complete within (.+)$': {
    kind: 'verdict',
  },
  '^the (\\S+) recovers within (.+?)(?: \\((\\d+) consecutive successes\\))?$': {
    kind: 'verdict',
    note: ([subject], n) => words(n, (t) => subjectWord(t, text(subject))),
  },
  '^the (\\S+) detects the (\\S+)(?: fault)? within (.+)$': {
    kind: 'verdict',
    note: ([subject], n) => words(n, (t) => subjectWord(t, text(subject))),
  },
  '^every successful request is charged exactly once(, and no failed request is charged)?$': {
    kind: 'verdict',
  },
  'the {word} retries on an alternate {word}': {
    kind: 'verdict',
    note: ([coordinator, member], n) =>
      words(n, (t) => coordinatorAndMember(t, text(coordinator), text(member))),
  },
  'the request succeeds within {duration}': { kind: 'verdict' },
  'the audit log shows the {word} event': { kind: 'verdict' },
};
