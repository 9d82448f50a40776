import { effectWords, NETWORK_FAULT_STEP } from '../faults/network/effects.ts';
import { BLACK_HOLE } from '../faults/network/partition.ts';
import type { Cut } from '../faults/network/toxic.ts';
import { struck, whereWords } from '../faults/network/where.ts';
import { parseDuration } from '../parse.ts';
import type { PlannedScenario } from '../plan/features.ts';
import type { PlanNotes, StepKind } from '../plan/meaning.ts';
import { matchStep, patternKey, type StepDefinitionLike } from '../plan/steps.ts';
import type { PlanSystem } from '../plan/system.ts';
import { VOCABULARY } from '../plan/vocabulary.ts';
import { linksBetween, proxyName, type Topology } from '../system/topology.ts';
import { linkedWords } from '../system/words.ts';

// A scenario as a Chaos Toolkit experiment (https://chaostoolkit.org/reference/api/experiment/), for teams
// whose experiments live in Chaos Toolkit: its steady-state steps become the hypothesis (a probe that every
// service answers through every link into it, asked of a running game day: `faultline status
// --steady-state`), its network faults become chaostoolkit-toxiproxy (`chaostoxi`) actions against
// faultline's fault proxy — the same toxics on the same links' proxies as the step would add — and every
// other fault becomes a process action running `faultline fault "<the step>"` against the game day, which
// applies it with faultline's own proof, guard and ledger. Every fault gets its rollback; waits and fault
// durations become pauses. What Chaos Toolkit cannot do (load, verdicts judged from the history, abort
// conditions, a fault drawn at run time from the seed) is reported per step, never dropped silently: each
// experiment carries the list in its `faultline` extension, and the command prints it.

export interface ExportOptions {
  /** How Chaos Toolkit's process provider runs faultline: the program, then its first arguments. */
  command: string[];
}

export interface NotExported {
  line: number;
  step: string;
  kind: StepKind | 'unknown';
  why: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface Activity {
  [key: string]: Json | undefined;
  type: 'action' | 'probe';
  name: string;
  provider: { [key: string]: Json };
  pauses?: { before?: number; after?: number };
  background?: boolean;
  tolerance?: number;
}

export interface Experiment {
  version: string;
  title: string;
  description: string;
  tags: string[];
  configuration: { [key: string]: Json };
  'steady-state-hypothesis'?: { title: string; probes: Activity[] };
  method: Activity[];
  rollbacks: Activity[];
  extensions: { [key: string]: Json }[];
}

export interface ExportedScenario {
  uri: string;
  line: number;
  name: string;
  experiment: Experiment;
  notExported: NotExported[];
}

/** faultline's proxy for chaostoxi: from the environment (`faultline up` prints both), else its defaults. */
export const CONFIGURATION = {
  toxiproxy_host: { type: 'env', key: 'FAULTLINE_PROXY_HOST', default: '127.0.0.1' },
  toxiproxy_port: { type: 'env', key: 'FAULTLINE_PROXY_PORT', default: 8474, env_var_type: 'int' },
} as const;

const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
const PARTITION_STEP = '^the network between (?:the )?(\\S+) and';

/** The toxics a network step adds, link by link, or why it has no fixed set (a seeded draw, a flapping link). */
function toxicsOf(
  topology: Topology,
  key: string,
  args: readonly unknown[],
): { kind: string; cuts: Cut[]; toxic: { type: string; attributes: Record<string, number> } } | string {
  if (key.startsWith(PARTITION_STEP)) {
    const [a, b] = args.map(String);
    linkedWords(topology, a!, b!);
    return {
      kind: 'partition',
      cuts: linksBetween(topology, a!, b!).map((link) => ({ link, streams: ['upstream', 'downstream'] })),
      toxic: BLACK_HOLE,
    };
  }
  if (key !== NETWORK_FAULT_STEP) return 'not a network fault';
  const where = whereWords(topology, String(args[0]));
  const effect = effectWords(String(args[1]));
  if (effect.flapMs !== undefined)
    return 'a flapping link switches its toxic on and off while it holds: faultline does it';
  if (where.kind === 'services') {
    if (where.targets.count < where.targets.members.length)
      return `${where.targets.count} of ${where.targets.members.length} is a seeded draw made when the fault is applied: faultline does it`;
    const cuts = where.targets.members.flatMap((m) => struck(topology, where, effect.streams, m).cuts);
    return { kind: effect.kind, cuts, toxic: effect.toxic };
  }
  return { kind: effect.kind, cuts: struck(topology, where, effect.streams).cuts, toxic: effect.toxic };
}

export async function exportScenario(
  scenario: PlannedScenario,
  feature: { name: string; description: string },
  definitions: readonly StepDefinitionLike[],
  system: PlanSystem | undefined,
  options: ExportOptions,
): Promise<ExportedScenario> {
  const [program, ...prefix] = options.command;
  const faultline = (args: string[]) => ({
    type: 'process',
    path: program!,
    arguments: [...prefix, ...args],
  });
  const notes: PlanNotes = { scale: {}, system: [], faults: [], loads: [], aborts: [] };
  const probes: Activity[] = [];
  const method: Activity[] = [];
  const rollbacks: Activity[] = [];
  const notExported: NotExported[] = [];
  let toxics = 0;
  /** The scenario's steady-state step: what `faultline up --given` brings the game day up with. */
  let given: string | undefined;
  /** A wait ("the load has run for 2 seconds") pauses before whatever is exported next. */
  let waitMs = 0;
  const add = (activity: Activity) => {
    if (waitMs > 0) activity.pauses = { ...activity.pauses, before: seconds(waitMs) };
    waitMs = 0;
    method.push(activity);
  };
  for (const step of scenario.steps) {
    const skip = (kind: NotExported['kind'], why: string) =>
      notExported.push({ line: step.line, step: `${step.keyword.trim()} ${step.text}`, kind, why });
    const match = matchStep(definitions, step.text);
    if (match.state !== 'matched') {
      skip('unknown', match.state === 'rejected' ? match.message : `${match.state} step`);
      continue;
    }
    const key = patternKey(match.definition.pattern);
    const meaning = VOCABULARY[key];
    const scale = JSON.stringify(notes.scale);
    notes.topology = (await system?.at(notes.scale).catch(() => undefined))?.topology;
    try {
      meaning?.note?.(match.args, notes);
    } catch (error) {
      skip(meaning?.kind ?? 'unknown', (error as Error).message);
      continue;
    }
    if (JSON.stringify(notes.scale) !== scale)
      notes.topology = (await system?.at(notes.scale).catch(() => undefined))?.topology;
    const kind = meaning?.kind;
    if (meaning?.notExported) {
      skip(kind ?? 'unknown', meaning.notExported);
      continue;
    }
    if (kind === 'steady state') {
      given ??= step.text;
      probes.push({
        type: 'probe',
        name: step.text,
        tolerance: 0,
        provider: faultline(['status', '--steady-state']),
      });
      continue;
    }
    if (kind === 'wait') {
      if (typeof match.args[0] === 'number') waitMs += match.args[0];
      else skip(kind, 'waits for load, which Chaos Toolkit does not drive');
      continue;
    }
    if (kind !== 'fault') {
      const why: Record<string, string> = {
        load: 'load is faultline’s (its history is what verdicts judge); Chaos Toolkit has no load generator',
        client: 'a client operation is faultline’s (recorded in its history)',
        verdict:
          'a verdict is judged from faultline’s recorded history, which a Chaos Toolkit run does not keep',
        abort: 'an abort condition watches faultline’s history while its load runs',
      };
      skip(kind ?? 'unknown', why[kind ?? ''] ?? 'a step faultline’s vocabulary does not know');
      continue;
    }
    const topology = notes.topology;
    const network = topology ? safely(() => toxicsOf(topology, key, match.args)) : 'no system loaded';
    // Both network steps end in their optional "for {duration}", as text.
    if (typeof network === 'object') {
      const lasting = match.args[2];
      const heal = typeof lasting === 'string' ? parseDuration(lasting) : undefined;
      toxics += 1;
      const stem = `faultline-${network.kind.replace(/[^a-z0-9]+/gi, '-')}-${toxics}`;
      const each = network.cuts.flatMap((cut) =>
        cut.streams.map((stream) => ({
          proxy: proxyName(cut.link),
          name: `${stem}-${stream === 'upstream' ? 'up' : 'down'}`,
          stream,
        })),
      );
      for (const t of each)
        add({
          type: 'action',
          name: `${step.text} (${t.proxy}, ${t.stream})`,
          provider: {
            type: 'python',
            module: 'chaostoxi.toxic.actions',
            func: 'create_toxic',
            arguments: {
              for_proxy: t.proxy,
              toxic_name: t.name,
              toxic_type: network.toxic.type,
              stream: t.stream,
              toxicity: 1,
              attributes: network.toxic.attributes,
            },
          },
        });
      const remove = (t: (typeof each)[number]): Activity => ({
        type: 'action',
        name: `undo ${step.text} (${t.proxy}, ${t.stream})`,
        provider: {
          type: 'python',
          module: 'chaostoxi.toxic.actions',
          func: 'delete_toxic',
          arguments: { for_proxy: t.proxy, toxic_name: t.name },
        },
      });
      // "for 4 seconds": healed by itself in the background while the method goes on, as faultline's timer does.
      if (heal !== undefined)
        for (const t of each)
          method.push({ ...remove(t), background: true, pauses: { before: seconds(heal) } });
      rollbacks.push(...each.map(remove));
      continue;
    }
    // Any other fault: faultline applies it to the game day, with its proof, guard and ledger.
    add({ type: 'action', name: step.text, provider: faultline(['fault', step.text]) });
    rollbacks.push({ type: 'action', name: `undo ${step.text}`, provider: faultline(['undo', step.text]) });
  }
  // Chaos Toolkit wants a method: a scenario without an exportable fault keeps its steady-state probe there.
  if (method.length === 0)
    method.push({
      type: 'probe',
      name: 'every service answers through every link',
      provider: faultline(['status', '--steady-state']),
      tolerance: 0,
    });
  if (waitMs > 0) {
    const last = method.at(-1)!;
    last.pauses = { ...last.pauses, after: (last.pauses?.after ?? 0) + seconds(waitMs) };
  }
  const tags = [...new Set([...scenario.tags.map((t) => t.replace(/^@/, '')), 'faultline'])];
  const where = `${scenario.uri}:${scenario.line}`;
  const up = `npx faultline up${given && given !== 'the system is running' ? ` --given ${JSON.stringify(given)}` : ''}`;
  const experiment: Experiment = {
    version: '1.0.0',
    title: scenario.name,
    description: `${feature.name}${feature.description ? ` — ${feature.description.trim().replace(/\s+/g, ' ')}` : ''} (exported by faultline from ${where}; run it against \`${up}\`)`,
    tags,
    configuration: CONFIGURATION as unknown as { [key: string]: Json },
    ...(probes.length > 0
      ? {
          'steady-state-hypothesis': {
            title: `${scenario.name}: every service answers through every link`,
            probes,
          },
        }
      : {}),
    method,
    rollbacks,
    extensions: [
      {
        name: 'faultline',
        source: where,
        up,
        not_exported: notExported.map((n) => ({ line: n.line, step: n.step, kind: n.kind, why: n.why })),
      },
    ],
  };
  return { uri: scenario.uri, line: scenario.line, name: scenario.name, experiment, notExported };
}

function safely<T>(work: () => T): T | string {
  try {
    return work();
  } catch (error) {
    return (error as Error).message;
  }
}
