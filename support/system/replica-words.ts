import { parseDuration, parseSize, StepInputError } from '../parse.ts';
import { replicaGroup, replicasOf, type Topology } from './topology.ts';
import { countWord, serviceWord, WordError } from './words.ts';

// The words of replica steps: "the postgres primary", "1 of the postgres replicas", "the postgres replica 2",
// and a lag bound ("1 MB" of WAL, or "2 seconds" behind). A primary must be a postgres the topology runs
// with replicas; an index must be one of its replicas; a count one it can supply — each checked before
// anything is applied, the mistake named with what exists.

/** The postgres stores of the topology that have replicas, for messages. */
const withReplicas = (topology: Topology): string =>
  topology.services
    .filter((s) => s.kind === 'postgres' && replicasOf(topology, s.name).length > 0)
    .map((s) => `${s.name} (${replicasOf(topology, s.name).length} replicas)`)
    .join(', ') || 'none';

const HOW =
  "declare it with postgres('<name>', { replicas: 2 }), or start some with 'Given a healthy … and 2 <name> replicas'";

/** A postgres the step may scale with replicas (the system as declared: before anything starts). */
export function replicableWord(declared: Topology, word: string): string {
  serviceWord(declared, word);
  const found = declared.services.find((s) => s.name === word)!;
  if (found.kind !== 'postgres' || found.replicaOf !== undefined)
    throw new WordError(
      `'${word}' is not a postgres primary of the system '${declared.name}', so it can have no streaming replicas; its postgres: ${
        declared.services
          .filter((s) => s.kind === 'postgres' && s.replicaOf === undefined)
          .map((s) => s.name)
          .join(', ') || 'none'
      }`,
    );
  return word;
}

/** A postgres primary that runs with replicas in this scenario; its replicas. */
export function primaryWord(topology: Topology, word: string): { primary: string; replicas: string[] } {
  replicableWord(topology, word);
  const replicas = replicasOf(topology, word);
  if (replicas.length === 0)
    throw new WordError(
      `'${word}' has no replicas in this scenario: ${HOW}; postgres with replicas: ${withReplicas(topology)}`,
    );
  return { primary: word, replicas };
}

/** "N of the <primary> replicas": the replicas it may strike (a seeded draw picks N of them). */
export function replicaCountWords(
  topology: Topology,
  count: number,
  word: string,
): { primary: string; group: string; replicas: string[] } {
  const { primary, replicas } = primaryWord(topology, word);
  countWord(topology, replicaGroup(primary), count);
  return { primary, group: replicaGroup(primary), replicas };
}

/** "the <primary> replica <i>": that replica, which must exist. */
export function replicaIndexWords(topology: Topology, word: string, index: number): string {
  const { replicas } = primaryWord(topology, word);
  const name = `${word}-replica-${index}`;
  if (!replicas.includes(name))
    throw new WordError(
      `${word} has no replica ${index}: its replicas are ${replicas.join(', ')} (replica 1 to ${replicas.length})`,
    );
  return name;
}

/** A lag bound: a size of WAL ("1 MB") or a time behind ("2 seconds"). */
export type LagBound =
  | { kind: 'bytes'; bytes: number; text: string }
  | { kind: 'seconds'; seconds: number; text: string };

export function lagBound(text: string): LagBound {
  try {
    return { kind: 'bytes', bytes: parseSize(text), text: text.trim() };
  } catch {}
  try {
    return { kind: 'seconds', seconds: parseDuration(text) / 1000, text: text.trim() };
  } catch {}
  throw new StepInputError(
    `'${text}' is not a replica lag bound: write a size of WAL (512 KB, 1 MB) or a time behind (500 ms, 2 seconds)`,
  );
}
