import { parseDuration } from '../parse.ts';
import type { Readiness } from './topology.ts';

// Readiness strategies a service declaration names, as Testcontainers' `Wait` does: the backend waits for
// one before a service counts as started, and a failure names the strategy and shows the service's output.

/** A timeout as a number of milliseconds or words ("30 seconds"). */
export type Timeout = number | string;

const DEFAULT_TIMEOUT_MS = 30_000;

const timeoutOf = (timeout: Timeout | undefined): number =>
  timeout === undefined ? DEFAULT_TIMEOUT_MS : typeof timeout === 'number' ? timeout : parseDuration(timeout);

export const wait = {
  /** The service's main port accepts a TCP connection (the default for a process or container). */
  forPort(options: { timeout?: Timeout } = {}): Readiness {
    return { kind: 'port', timeoutMs: timeoutOf(options.timeout) };
  },
  /** `GET path` on the service's main port answers with one of `status` (default: any 2xx). */
  forHttp(path: string, options: { status?: number | number[]; timeout?: Timeout } = {}): Readiness {
    const status =
      options.status === undefined
        ? Array.from({ length: 100 }, (_, i) => 200 + i)
        : ([] as number[]).concat(options.status);
    return { kind: 'http', path, status, timeoutMs: timeoutOf(options.timeout) };
  },
  /** A line of the service's output (stdout or stderr) matches `pattern`. */
  forLog(pattern: RegExp | string, options: { timeout?: Timeout } = {}): Readiness {
    const regex = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    return { kind: 'log', pattern: regex, timeoutMs: timeoutOf(options.timeout) };
  },
  /** A command run beside the service (in its container, on the containers backend) exits 0. */
  forCommand(command: string[], options: { timeout?: Timeout } = {}): Readiness {
    return { kind: 'command', command, timeoutMs: timeoutOf(options.timeout) };
  },
};

/** How a strategy reads in an error message. */
export function describeReadiness(r: Readiness): string {
  switch (r.kind) {
    case 'port':
      return `its port to accept a TCP connection`;
    case 'http':
      return `GET ${r.path} to answer ${r.status.length === 100 && r.status[0] === 200 ? '2xx' : r.status.join(' or ')}`;
    case 'log':
      return `a log line matching ${r.pattern}`;
    case 'command':
      return `\`${r.command.join(' ')}\` to exit 0`;
  }
}
