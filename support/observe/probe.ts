import type { Environment } from '../env/environment.ts';
import { StepInputError } from '../parse.ts';
import type { Topology } from '../system/topology.ts';
import { serviceWord } from '../system/words.ts';
import { JSON_PATH_WORDS, parseJsonPath } from './json-path.ts';
import { type HttpProbe, readHttp } from './probes/http.ts';
import { type LogProbe, readLog } from './probes/log.ts';
import { type ProcessProbe, readProcess } from './probes/process.ts';
import { READ_ONLY_REDIS, type RedisProbe, readRedis } from './probes/redis.ts';
import { READ_ONLY_SQL, readSql, type SqlProbe } from './probes/sql.ts';
import { type ProbeValue, parseTolerance, type Tolerance } from './tolerance.ts';

// A probe reads one signal of one service (Chaos Toolkit's probes): an HTTP status, latency or JSON value,
// a SQL query's value, a Redis command's reply, whether a log line appeared, whether the process lives.
// A steady-state hypothesis is a table of them, each with its tolerance; this module reads the table's
// words (the same function at plan time and at run time) and takes one reading of a probe.

export type Probe = HttpProbe | SqlProbe | RedisProbe | LogProbe | ProcessProbe;

export const PROBE_WORDS = [
  'http GET <path> status',
  'http GET <path> latency',
  `http GET <path> <JSON path: ${JSON_PATH_WORDS}>`,
  'sql <a read-only query: select …> (of a postgres service)',
  `redis <${READ_ONLY_REDIS.join('|')}> [args] (of a redis service)`,
  'log line matching "<regex>"',
  'process alive',
  'process running (alive and not paused)',
].join('; ');

/** One row of a hypothesis: what to read, of which service, within which tolerance. */
export interface DeclaredProbe {
  /** The probe's words as written in the table. */
  text: string;
  service: string;
  probe: Probe;
  tolerance: Tolerance;
}

export class ProbeError extends StepInputError {}

/** Reads a probe's words; throws naming what is accepted. */
export function parseProbe(text: string): Probe {
  const t = text.trim();
  const [kind = '', ...rest] = t.split(/\s+/);
  const tail = t.slice(kind.length).trim();
  switch (kind.toLowerCase()) {
    case 'http': {
      const m = tail.match(/^(GET|HEAD)\s+(\/\S*)\s+(status|latency|\$.*)$/i);
      if (!m)
        throw new ProbeError(
          `probe '${t}': an http probe is 'http GET <path starting with /> status|latency|<JSON path>'`,
        );
      const read = m[3] as string;
      return {
        kind: 'http',
        method: (m[1] as string).toUpperCase() as 'GET' | 'HEAD',
        path: m[2] as string,
        read:
          read === 'status' || read === 'latency'
            ? { what: read }
            : { what: 'json', path: parseJsonPath(read), text: read },
      };
    }
    case 'sql':
      if (!READ_ONLY_SQL.test(tail))
        throw new ProbeError(
          `probe '${t}': a sql probe runs a read-only query (select, with, show, values, table), not '${tail.split(/\s+/)[0] ?? ''}'`,
        );
      return { kind: 'sql', query: tail };
    case 'redis': {
      const [command = '', ...args] = rest;
      if (!READ_ONLY_REDIS.includes(command.toUpperCase()))
        throw new ProbeError(
          `probe '${t}': a redis probe sends one read-only command: ${READ_ONLY_REDIS.join(', ')}; not '${command}'`,
        );
      return { kind: 'redis', command: command.toUpperCase(), args };
    }
    case 'log': {
      const m = tail.match(/^lines? matching (?:"(.*)"|\/(.*)\/([imsu]*))$/);
      if (!m) throw new ProbeError(`probe '${t}': a log probe is 'log line matching "<regex>"' or /<regex>/`);
      try {
        return { kind: 'log', pattern: new RegExp(m[1] ?? m[2] ?? '', m[3]) };
      } catch (error) {
        throw new ProbeError(`probe '${t}': the pattern does not compile (${(error as Error).message})`);
      }
    }
    case 'process':
      if (tail === 'alive' || tail === 'running') return { kind: 'process', what: tail };
      throw new ProbeError(`probe '${t}': a process probe is 'process alive' or 'process running'`);
    default:
      throw new ProbeError(
        `probe '${t}': unknown probe kind '${kind}'; the kinds: http, sql, redis, log, process`,
      );
  }
}

/** The service a probe reads must be one that can answer it: SQL of a postgres, a command of a redis. */
function fitService(topology: Topology, word: string, probe: Probe): string {
  const name = serviceWord(topology, word);
  const kind = topology.services.find((s) => s.name === name)?.kind;
  const of = (k: string) => topology.services.filter((s) => s.kind === k).map((s) => s.name);
  if (probe.kind === 'sql' && kind !== 'postgres')
    throw new ProbeError(
      `'${name}' is a ${kind} service: a sql probe reads a postgres (${of('postgres').join(', ') || 'none'})`,
    );
  if (probe.kind === 'redis' && kind !== 'redis')
    throw new ProbeError(
      `'${name}' is a ${kind} service: a redis probe reads a redis (${of('redis').join(', ') || 'none'})`,
    );
  if (probe.kind === 'http' && (kind === 'redis' || kind === 'postgres'))
    throw new ProbeError(
      `'${name}' is a ${kind} store, which does not answer HTTP: use a ${kind === 'redis' ? 'redis' : 'sql'} probe`,
    );
  return name;
}

export const HYPOTHESIS_COLUMNS = ['probe', 'of', 'tolerance'];

/** A table row as the step (cucumber's raw rows) or the plan (with the row's line) has it. */
export interface TableRow {
  cells: readonly string[];
  line?: number;
}

/**
 * The hypothesis table: a header `| probe | of | tolerance |` and one row per probe. Every row is checked
 * (probe kind and words, the service against the topology when it is known, the tolerance), and every
 * mistake is named with its row — all of them at once, so one plan shows everything to fix.
 */
export function parseHypothesis(rows: readonly TableRow[], topology: Topology | undefined): DeclaredProbe[] {
  const [header, ...body] = rows;
  const columns = header?.cells.map((c) => c.trim().toLowerCase()) ?? [];
  if (columns.join('|') !== HYPOTHESIS_COLUMNS.join('|'))
    throw new StepInputError(
      `the hypothesis table's header is | ${header?.cells.join(' | ') ?? ''} |: write | ${HYPOTHESIS_COLUMNS.join(' | ')} | and one probe per row`,
    );
  if (body.length === 0)
    throw new StepInputError(
      'the hypothesis table has no probe: add a row | <probe> | <service> | <tolerance> |',
    );
  const problems: string[] = [];
  const probes: DeclaredProbe[] = [];
  body.forEach((row, i) => {
    const where = `row ${i + 1}${row.line !== undefined ? ` (line ${row.line})` : ''} | ${row.cells.join(' | ')} |`;
    const [text = '', word = '', toleranceText = ''] = row.cells.map((c) => c.trim());
    try {
      const probe = parseProbe(text);
      const service = topology ? fitService(topology, word, probe) : word;
      if (!service) throw new ProbeError(`no service named in the 'of' column`);
      probes.push({ text, service, probe, tolerance: parseTolerance(toleranceText) });
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  });
  if (problems.length > 0)
    throw new StepInputError(
      `the steady-state hypothesis has ${problems.length} mistake(s):\n- ${problems.join('\n- ')}\n(probes: ${PROBE_WORDS})`,
    );
  return probes;
}

/** One reading of a probe: its value, or why it gave none (within `timeoutMs`). */
export async function readProbe(env: Environment, p: DeclaredProbe, timeoutMs: number): Promise<ProbeValue> {
  switch (p.probe.kind) {
    case 'http':
      return readHttp(env, p.service, p.probe, timeoutMs);
    case 'sql':
      return readSql(env, p.service, p.probe, timeoutMs);
    case 'redis':
      return readRedis(env, p.service, p.probe, timeoutMs);
    case 'log':
      return readLog(env, p.service, p.probe);
    case 'process':
      return readProcess(env, p.service, p.probe);
  }
}
