import type { Environment } from '../../env/environment.ts';
import type { ProbeValue } from '../tolerance.ts';

// A process probe asks the backend about the service's process now: alive (it exists), or running (alive
// and not frozen by SIGSTOP / a paused container).

export interface ProcessProbe {
  kind: 'process';
  what: 'alive' | 'running';
}

export async function readProcess(env: Environment, service: string, p: ProcessProbe): Promise<ProbeValue> {
  const control = env.control(service);
  const alive = control.alive();
  if (p.what === 'alive' || !alive) return alive;
  return !(await control.paused());
}
