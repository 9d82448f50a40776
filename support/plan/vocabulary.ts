import { parsePercentile } from '../checks/latency.ts';
import { describeCondition } from '../load/abort.ts';
import { operationKind, planFromWords, sizedOperation } from '../load/phrases.ts';
import { parseDuration, parsePercent } from '../parse.ts';
import {
  certificateClientsWords,
  coordinatorAndMember,
  groupWord,
  memberWord,
  scaleWords,
  steadyStateWords,
  subjectWord,
} from '../system/words.ts';
import { count, formatDuration, type Meaning, type PlanNotes, text, words } from './meaning.ts';
import { CERTIFICATES } from './meanings/certificates.ts';
import { CONSISTENCY } from './meanings/consistency.ts';
import { DATA } from './meanings/data.ts';
import { DNS } from './meanings/dns.ts';
import { NETWORK } from './meanings/network.ts';
import { OBSERVE } from './meanings/observe.ts';
import { PROCESS } from './meanings/process.ts';
import { PROMQL } from './meanings/promql.ts';
import { REPLICAS } from './meanings/replicas.ts';
import { RESOURCE } from './meanings/resource.ts';
import { SECURITY } from './meanings/security.ts';
import { STORES } from './meanings/stores.ts';

// What each step of the vocabulary means for an experiment's plan, keyed by the step definition's pattern
// as written in steps/. The plan reads a scenario without running it: the steady state says how big each
// group is, a fault step says what it strikes, for how long, and so how much of the system it can hurt.
// test/plan/vocabulary.test.ts fails when a step definition has no entry here (or an entry no definition),
// so a new fault step cannot silently drop out of plans. A step that names services or groups checks its
// words with the same functions the step itself runs (support/system/words.ts), against the topology the
// scenario would start: the plan knows no system's words of its own.

/** The system's name as the plan shows it, when the scenario's topology is known. */
const systemName = (notes: PlanNotes): string => notes.topology?.name ?? 'the system';

function load(
  notes: PlanNotes,
  words: Parameters<typeof planFromWords>[0],
  kind: string,
  background: boolean,
): string {
  // The same checks the load step makes: a size that parses, an operation the system declares.
  const sized = sizedOperation(kind);
  if (notes.operations) operationKind(sized.words, notes.operations);
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

  // steady-state hypotheses and their verdicts
  ...OBSERVE,

  // faults, one family a module
  ...NETWORK,
  ...PROCESS,
  ...RESOURCE,
  ...CERTIFICATES,
  ...DNS,
  ...PROMQL,
  ...STORES,
  ...REPLICAS,
  ...DATA,
  ...CONSISTENCY,
  ...SECURITY,

  // load and clients
  '^(\\d+) concurrent clients? (submits?|start submitting) (?!.* at \\S+ requests? per second)(?:(\\d+) (?![KMGkmg]?[Bb] ))?(.+?)(?: for (.+?))?(?: with an? (.+?) timeout)?$':
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
  '^(?:(\\d+) concurrent )?clients (submit|start submitting) (?:(\\d+) (?![KMGkmg]?[Bb] ))?(.+?) at (\\S+) requests? per second(?: for (.+?))?(?: with an? (.+?) timeout)?$':
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
  "^the (\\S+) refuses? the (\\S+?)'s certificate within (.+)$": {
    kind: 'verdict',
    note: ([clients, service], n) =>
      words(n, (t) => certificateClientsWords(t, text(clients), text(service))),
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
  'the {word} retries on an alternate {word}': {
    kind: 'verdict',
    note: ([coordinator, member], n) =>
      words(n, (t) => coordinatorAndMember(t, text(coordinator), text(member))),
  },
  'the request succeeds within {duration}': { kind: 'verdict' },
  'the audit log shows the {word} event': { kind: 'verdict' },
};
