import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { withoutOwner } from '../../cleanup/owner.ts';
import { residue } from '../../cleanup/residue.ts';
import { BUILD_CONTAINER_PREFIX } from './images/build.ts';
import { LABEL, ownerIsGone, parseOwner, processExists, RUN_ID, runtime, self } from './runtime.ts';

// Cleanup without Ryuk. Everything faultline creates in the engine carries the run label and its owner
// (host, pid, process start time), and three independent mechanisms remove it:
// - the orderly path: Environment.down() removes an environment's containers (by label, not from memory),
//   and the process's network goes when the process does;
// - the watchdog: a small detached process per run that holds a pipe from the runner and, once the pipe
//   closes (normal exit, Ctrl-C, a crash, even SIGKILL), removes every container and network of the run;
// - the start sweep: every run first removes what runs whose owner process is gone left behind (the
//   watchdog itself killed, the machine rebooted, the engine restarted with containers in it).
// A resource whose owner is alive (another run, another engineer's) is never touched.

export interface SweepReport {
  containers: string[];
  networks: string[];
}

/** Removes containers first (a network in use cannot go), then networks. */
async function removeAll(
  filter: Record<string, string[]>,
  keep: (labels: Record<string, string>) => boolean,
) {
  const client = await runtime();
  const docker = client.container.dockerode;
  const report: SweepReport = { containers: [], networks: [] };
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify(filter) });
  await Promise.all(
    containers
      .filter((c) => !keep(c.Labels ?? {}))
      .map(async (c) => {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
          report.containers.push(c.Names?.[0]?.replace(/^\//, '') ?? c.Id);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }
      }),
  );
  const networks = await docker.listNetworks({ filters: JSON.stringify(filter) });
  await Promise.all(
    networks
      .filter((n) => !keep(n.Labels ?? {}))
      .map(async (n) => {
        try {
          await docker.getNetwork(n.Id).remove();
          report.networks.push(n.Name);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }
      }),
  );
  return report;
}

/** Everything of one run (this one by default). */
export function sweepRun(run = RUN_ID): Promise<SweepReport> {
  return removeAll({ label: [`${LABEL.run}=${run}`] }, () => false);
}

/** Everything of one environment. */
export function sweepEnvironment(envId: string): Promise<SweepReport> {
  return removeAll({ label: [`${LABEL.env}=${envId}`] }, () => false);
}

/** Leftovers of runs whose owner process is gone, and image-build containers of dead processes. */
export async function sweepLeftovers(): Promise<SweepReport> {
  const report = await removeAll(
    { label: [LABEL.run] },
    (labels) => !ownerIsGone(parseOwner(labels[LABEL.owner])),
  );
  const client = await runtime();
  const docker = client.container.dockerode;
  const builds = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ name: [BUILD_CONTAINER_PREFIX] }),
  });
  for (const c of builds) {
    const name = c.Names?.[0]?.replace(/^\//, '') ?? '';
    const pid = Number(name.slice(BUILD_CONTAINER_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (ownerIsGone({ host: self.host, pid, startTime: 'unknown' }) || !processExists(pid)) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .then(() => report.containers.push(name))
        .catch(() => undefined);
    }
  }
  return report;
}

let watchdog: Promise<void> | undefined;

/**
 * Starts this run's watchdog once (per process; threads share the run id, an extra watchdog is harmless).
 * It is detached (its own session: Ctrl-C in the terminal does not reach it) and unreferenced (it never keeps
 * the runner alive).
 */
export function ensureWatchdog(): Promise<void> {
  watchdog ??= new Promise<void>((resolve, reject) => {
    // Started through -e, not as a script: every file under support/ is loaded by cucumber as support code,
    // so none of them may act when imported.
    // It says "ready" before it loads anything: the sweep's modules (the engine's client among them) are
    // loaded once the pipe closes, so the run's first environment does not wait for a second process to
    // load them (seconds on a loaded 2-core machine). See watchdogScript().
    const code = watchdogScript(import.meta.url, RUN_ID);
    // Without the run's owner marker: an interrupt's sweep kills every process that carries it (a service
    // this run started), and the watchdog must outlive the runner to remove what the engine creates late.
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      detached: true,
      env: withoutOwner(),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.once('error', (error) =>
      reject(new Error(`could not start the cleanup watchdog: ${error.message}`)),
    );
    // It says "ready" once it watches the pipe; only then is a SIGKILL of the runner covered.
    child.stdout?.once('data', () => {
      (child.stdout as Socket | null)?.destroy();
      (child.stdin as Socket | null)?.unref();
      child.unref();
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`the cleanup watchdog exited at once (code ${code})`)));
  });
  return watchdog;
}

/**
 * Registers the run with the interrupt path of support/hooks.ts: on SIGINT/SIGTERM its residue sweep
 * removes this run's containers and network (also those of a topology still coming up).
 */
let registered = false;
export function registerWithResidue(): void {
  if (registered) return;
  registered = true;
  residue.addProcess({
    async stop() {
      await sweepRun().catch(() => undefined);
    },
  });
}

/**
 * The watchdog's program (plain JavaScript for `node -e`): it ignores the terminal's signals, watches the
 * runner's pipe and says "ready" at once; when the pipe closes, whatever ended the runner, it loads this
 * module and runs sweepUntilQuiet(). Nothing is loaded before "ready", so the runner waits only for a bare
 * Node process to start.
 */
export function watchdogScript(moduleUrl: string, run: string): string {
  return `
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
let done = false;
const sweep = () => {
  if (done) return;
  done = true;
  import(${JSON.stringify(moduleUrl)}).then(
    (m) => m.sweepUntilQuiet(${JSON.stringify(run)}),
    () => process.exit(1),
  );
};
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);
process.stdin.on('close', sweep);
process.stdin.resume();
process.stdout.write('ready\\n');
`;
}

/**
 * The watchdog's sweep (in its own process, once the runner's pipe closed): removes every container and
 * network carrying the run's label, and exits.
 */
export async function sweepUntilQuiet(run: string): Promise<void> {
  // Requests the runner sent just before it ended (a container being created as Ctrl-C came) are still
  // carried out by the engine after the pipe closed: one sweep would miss what they create. So sweep until
  // the run has had nothing left for QUIET consecutive passes, a second apart (bounded).
  const QUIET = 3;
  const LIMIT_MS = 60_000;
  const until = Date.now() + LIMIT_MS;
  try {
    for (let empty = 0; empty < QUIET && Date.now() < until; ) {
      const removed = await sweepRun(run).catch(() => undefined);
      empty = removed && removed.containers.length === 0 && removed.networks.length === 0 ? empty + 1 : 0;
      if (empty < QUIET) await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    process.exit(0);
  }
}
