// `faultline doctor`'s diagnosis: the machine's prerequisites (../env/prerequisites.mjs, shared with setup
// and the local backend) plus the one only Testcontainers can answer — whether a container engine replies —
// and which backend a run would use, and whether it can.

import { engineConfigured, engineReachable, runtime } from './containers/runtime.ts';
import { checkPrerequisites, type Finding } from './prerequisites.mjs';

export type BackendName = 'local' | 'containers';

export interface Diagnosis {
  /** The backend judged: named (--backend, FAULTLINE_BACKEND) or the one a run would choose. */
  backend: BackendName;
  /** How it was chosen. */
  chosenBy: string;
  usable: boolean;
  findings: Finding[];
}

/** Whether a container engine answers (only Testcontainers can tell, so not in prerequisites.mjs). */
export async function engineFinding(): Promise<Finding> {
  const base = {
    id: 'engine',
    name: 'container engine (Docker API)',
    backend: 'containers' as const,
    required: true,
    why: 'the containers backend starts the topology as containers on a network of its own',
    apt: ['docker.io'],
    env: 'DOCKER_HOST',
  };
  const where = process.env.DOCKER_HOST ?? process.env.TESTCONTAINERS_HOST ?? 'the default socket';
  if (!engineConfigured())
    return {
      ...base,
      ok: false,
      problem:
        'no engine configured: DOCKER_HOST unset, no /var/run/docker.sock, ~/.docker/run/docker.sock or ~/.testcontainers.properties',
      fix: 'apt-get install -y docker.io and start it (systemctl start docker), or set DOCKER_HOST to a reachable engine',
    };
  if (!(await engineReachable(5_000)))
    return {
      ...base,
      ok: false,
      problem: `no engine answered a ping at ${where} within 5 s`,
      fix: 'start the engine (systemctl start docker), check DOCKER_HOST and the socket permissions (group docker)',
    };
  const info = (await runtime()).info.containerRuntime;
  return { ...base, ok: true, path: info.host, version: String(info.serverVersion) };
}

/** Which backend a run would use, as support/env/backends.ts chooses it (without loading the backends). */
async function chooseBackend(
  named: string | undefined,
  engine: () => Promise<Finding>,
): Promise<{ backend: BackendName; chosenBy: string }> {
  const explicit = named ?? (process.env.FAULTLINE_BACKEND || undefined);
  if (explicit === 'local' || explicit === 'containers')
    return { backend: explicit, chosenBy: named ? '--backend' : 'FAULTLINE_BACKEND' };
  if (explicit !== undefined && explicit !== 'auto')
    throw new Error(
      `${named ? '--backend' : 'FAULTLINE_BACKEND'}=${explicit} is not a backend; accepted: local, containers (or auto)`,
    );
  return (await engine()).ok
    ? { backend: 'containers', chosenBy: 'automatic: a container engine answers' }
    : { backend: 'local', chosenBy: 'automatic: no container engine reachable' };
}

export async function diagnose(named?: string): Promise<Diagnosis> {
  let engine: Promise<Finding> | undefined;
  const engineOnce = () => {
    engine ??= engineFinding();
    return engine;
  };
  const { backend, chosenBy } = await chooseBackend(named, engineOnce);
  const findings = checkPrerequisites();
  // The engine goes first among the containers backend's findings.
  const at = findings.findIndex((f) => f.backend === 'containers');
  findings.splice(at === -1 ? findings.length : at, 0, await engineOnce());
  const usable = findings.every((f) => f.ok || !f.required || f.backend !== backend);
  return { backend, chosenBy, usable, findings };
}
