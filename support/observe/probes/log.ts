import type { Environment } from '../../env/environment.ts';
import type { ProbeValue } from '../tolerance.ts';

// A log probe counts the lines of a service's output (since the environment came up, both streams) that
// match a pattern: "present" holds from the first one on, "absent" until one appears.

export interface LogProbe {
  kind: 'log';
  pattern: RegExp;
}

export function readLog(env: Environment, service: string, p: LogProbe): ProbeValue {
  return env.logs(service).filter((l) => p.pattern.test(l.line)).length;
}
