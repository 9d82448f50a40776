import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { residue } from '../../cleanup/residue.ts';
import { cacheRoot } from '../cache.ts';

export interface ProcessSpec {
  /** Service name as the topology knows it; used in errors and logs. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this account (needed for postgres when the runner is root). */
  user?: { name: string; uid: number; gid: number };
  /**
   * argv run in front of the command, which it must exec into (the pid stays the service's): e.g. a mount
   * namespace with a private /etc/resolv.conf (support/dns/local.ts).
   */
  wrapper?: string[];
  /** Signal that asks the process to shut down cleanly. */
  stopSignal?: NodeJS.Signals;
  /** Resolves the readiness wait when a log line matches; the returned value is kept (e.g. a port). */
  ready?: (line: string) => number | boolean | undefined;
  readyTimeoutMs?: number;
}

export interface LogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  line: string;
}

const MAX_LOG_LINES = 20_000;
const compileCache = () => join(cacheRoot(), 'v8');
const SETPRIV = '/usr/bin/setpriv';

/**
 * One child process of the local backend. Two independent guards make sure it dies with the runner even
 * on SIGKILL: the kernel's parent-death signal (setpriv --pdeathsig, where available) and the stdin lifeline
 * our own Node services watch (support/cleanup/lifeline.ts).
 */
export class LocalProcess {
  readonly spec: ProcessSpec;
  readonly logs: LogLine[] = [];
  private child: ChildProcess | undefined;
  private exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  /** How long the last start took until ready: start-up cost is part of a run's evidence. */
  readyMs: number | undefined;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Settles when the current run of the process exits (undefined before the first start). */
  get exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined {
    return this.exitPromise;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Starts the process and waits for readiness; returns what the ready predicate returned. */
  async start(): Promise<number | boolean | undefined> {
    const { user } = this.spec;
    const [command, ...args] = [...(this.spec.wrapper ?? []), this.spec.command, ...this.spec.args] as [
      string,
      ...string[],
    ];
    const wrapped = existsSync(SETPRIV)
      ? {
          command: SETPRIV,
          args: [
            ...(user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups'] : []),
            '--pdeathsig',
            this.spec.stopSignal === 'SIGINT' ? 'INT' : 'KILL',
            '--',
            command,
            ...args,
          ],
        }
      : { command, args };
    this.exitInfo = undefined;
    const child = spawn(wrapped.command, wrapped.args, {
      cwd: this.spec.cwd,
      // A shared V8 compile cache roughly halves the start of our TypeScript services after the first run.
      env: { NODE_COMPILE_CACHE: compileCache(), ...process.env, ...this.spec.env, FAULTLINE_LIFELINE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    residue.addProcess(this);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        residue.deleteProcess(this);
        this.exitInfo = { code, signal, at: Date.now() };
        resolve({ code, signal });
      });
    });
    child.stdin?.on('error', () => {});

    let settleReady: (value: number | boolean | undefined) => void = () => {};
    let failReady: (error: Error) => void = () => {};
    const readiness = new Promise<number | boolean | undefined>((resolve, reject) => {
      settleReady = resolve;
      failReady = reject;
    });
    const capture = (stream: 'stdout' | 'stderr') => (line: string) => {
      if (this.logs.length >= MAX_LOG_LINES) this.logs.shift();
      this.logs.push({ at: Date.now(), stream, line });
      const ready = this.spec.ready?.(line);
      if (ready !== undefined && ready !== false) settleReady(ready);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', capture('stdout'));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', capture('stderr'));
    child.once('error', (error) =>
      failReady(new Error(`${this.spec.name}: could not start ${command}: ${error.message}`)),
    );
    void this.exitPromise.then(({ code, signal }) =>
      failReady(
        new Error(
          `${this.spec.name} exited before it was ready (code ${code}, signal ${signal}):\n${this.tail(15)}`,
        ),
      ),
    );
    // Without a log predicate the caller waits for readiness its own way (support/env/readiness.ts).
    readiness.catch(() => {});
    if (!this.spec.ready) return true;
    // Generous: on a loaded 2-core CI machine five Node services starting at once can take many seconds.
    const timeoutMs = this.spec.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.spec.name} was not ready within ${timeoutMs} ms:\n${this.tail(15)}`)),
        timeoutMs,
      );
    });
    const started = performance.now();
    try {
      const ready = await Promise.race([readiness, timeout]);
      this.readyMs = Math.round(performance.now() - started);
      return ready;
    } catch (error) {
      await this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last lines of output, for error messages. */
  tail(count: number): string {
    return this.logs
      .slice(-count)
      .map((l) => `  [${this.spec.name}] ${l.line}`)
      .join('\n');
  }

  signal(signal: NodeJS.Signals): boolean {
    if (!this.running || this.child?.pid === undefined) return false;
    // setpriv execs the real command, so the pid is the service's own.
    return this.child.kill(signal);
  }

  /** Polite stop, then SIGKILL if it does not go within the grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signal(this.spec.stopSignal ?? 'SIGTERM');
    if (await this.waitForExit(graceMs)) return;
    await this.kill();
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.waitForExit(5_000);
  }

  /** Resolves true once the process has exited, false when the timeout came first. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.exitPromise || this.exitInfo) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.exitPromise.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }
}

/** Readiness predicate for our own services: a pino JSON line {"msg":"listening","port":N}. */
export function listeningPort(line: string): number | undefined {
  if (!line.includes('"listening"')) return undefined;
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return record.msg === 'listening' && typeof record.port === 'number' ? record.port : undefined;
  } catch {
    return undefined;
  }
}
