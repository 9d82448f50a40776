import { connect, type Socket } from 'node:net';
import type { Environment } from '../../env/environment.ts';
import { until } from '../../poll.ts';
import type { FaultSpec } from '../ledger.ts';
import { type OperationsSource, trafficInto } from '../process/felt.ts';
import { serviceProcesses } from './bounds.ts';
import { openFiles } from './procfs.ts';

// A slow connection leak: faultline opens connections to a service at a steady rate and never closes them,
// as a client with a leaking pool would, until the fault ends — then every one is closed. Each connection
// costs the service a file descriptor and whatever it keeps per connection; what the verdicts judge is
// whether it stays healthy (its health checks, the error rate) and whether it has to be restarted. The
// proof is both ends' count: connections faultline holds open, and the descriptors the service's processes
// hold (/proc/<pid>/fd), which grow with them.

const CONNECT_MS = 2_000;

export function connectionLeak(
  env: Environment,
  targets: readonly string[],
  options: { phrase: string; perSecond: number; forMs: number; operations?: OperationsSource },
): FaultSpec {
  const { perSecond, forMs } = options;
  const sockets = new Set<Socket>();
  const evidence: string[] = [];
  const traffic = trafficInto(env, targets, 'connection leak', options.operations);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let opened = 0;
  let refused = 0;
  let lastError = '';
  const fdsBefore = new Map<string, { pid: number; fds: number }>();

  const open = (t: string): Promise<boolean> =>
    new Promise((resolve) => {
      const at = env.endpoint(t);
      const socket = connect({ host: at.host, port: at.port });
      socket.setTimeout(CONNECT_MS, () => socket.destroy(new Error(`no connection within ${CONNECT_MS} ms`)));
      socket.once('connect', () => {
        socket.setTimeout(0);
        opened += 1;
        sockets.add(socket);
        resolve(true);
      });
      socket.on('error', (error) => {
        lastError = error.message;
        if (!sockets.has(socket)) {
          refused += 1;
          resolve(false);
        }
      });
      socket.once('close', () => sockets.delete(socket));
    });

  return {
    kind: 'connection-leak',
    description: `connections to ${options.phrase} leaking at ${perSecond} per second for ${forMs / 1000} s`,
    targets: [...targets],
    durationMs: forMs,
    async apply() {
      for (const t of targets) {
        const [pid] = await serviceProcesses(env, t, 'a connection leak');
        fdsBefore.set(t, { pid: pid!, fds: openFiles(pid!) });
      }
      const first = await Promise.all(targets.map(open));
      if (!first.some(Boolean))
        throw new Error(
          `the connection leak had no effect: no connection to ${targets.join(', ')} opened (${lastError})`,
        );
      const started = Date.now();
      let due = 1;
      timer = setInterval(
        () => {
          if (stopped) return;
          // Catch up to the rate by the wall clock: a busy runner's late timer opens the ones it owes.
          const owed = Math.floor(((Date.now() - started) / 1000) * perSecond) + 1;
          for (; due < owed; due++) for (const t of targets) void open(t);
        },
        Math.max(10, Math.floor(1000 / perSecond)),
      );
      timer.unref();
      evidence.push(
        ...targets.map((t) => {
          const b = fdsBefore.get(t)!;
          return `${t} (pid ${b.pid}): ${b.fds} open file descriptors before; faultline opens ${perSecond} connection${perSecond === 1 ? '' : 's'} per second to ${env.endpoint(t).host}:${env.endpoint(t).port} and holds them`;
        }),
      );
      await traffic.begin();
      return evidence;
    },
    async felt() {
      const held = sockets.size;
      const fds = targets.map((t) => {
        const b = fdsBefore.get(t)!;
        let now: string;
        try {
          now = String(openFiles(b.pid));
        } catch {
          now = 'gone (the process exited)';
        }
        return `${t} held ${now} file descriptors (${b.fds} before)`;
      });
      evidence.push(
        `held ${held} connections open at the end (${opened} opened, ${refused} refused or timed out${refused > 0 ? `: ${lastError}` : ''}); ${fds.join('; ')}`,
      );
      return traffic.felt();
    },
    async undo() {
      stopped = true;
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      await until(() => sockets.size === 0, { everyMs: 20, timeoutMs: 2_000 });
      if (sockets.size > 0) throw new Error(`${sockets.size} leaked connections did not close`);
    },
  };
}
