import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import { systems } from '../fixtures/topologies/index.ts';
import type { Verdict } from './checks/verdict.ts';
import { selectBackend } from './env/backends.ts';
import type { Environment } from './env/environment.ts';
import { live } from './env/live.ts';
import type { System } from './env/system.ts';
import { makeTempDir, type TempDir } from './env/tmp.ts';
import { FaultLedger } from './faults/ledger.ts';
import { History, type Operation } from './load/history.ts';
import { parseDuration } from './parse.ts';
import { derive, type Random, runSeed } from './random.ts';

interface PendingOperation {
  id: string;
  operation: { invokedAt: number };
  done: Promise<Operation>;
}

// The seed is drawn once per process so every scenario of a run (and its re-run) shares it.
const SEED = runSeed();

/** Per-scenario state: the environment, the fault ledger, the recorded history, the seed. */
export class FaultlineWorld extends World {
  readonly seed = SEED;
  readonly faults = new FaultLedger();
  readonly history = new History();
  readonly verdicts: Verdict[] = [];
  readonly startedAt = Date.now();
  private systemValue: System | undefined;
  private envValue: Environment | undefined;
  private operationCount = 0;
  private workdir: TempDir | undefined;
  scenario = 'scenario';

  constructor(options: IWorldOptions) {
    super(options);
  }

  random(purpose: string): Random {
    return derive(this.seed, `${this.scenario}:${purpose}`);
  }

  get env(): Environment {
    if (!this.envValue)
      throw new Error('no environment is up yet: start the scenario with a Given step that brings it up');
    return this.envValue;
  }

  get system(): System {
    if (!this.systemValue)
      throw new Error('no system is up yet: start the scenario with a Given step that brings it up');
    return this.systemValue;
  }

  get hasEnv(): boolean {
    return this.envValue !== undefined;
  }

  /** Brings the system up at the given scale (e.g. { workers: 5 }) on the selected backend. */
  async up(scale: Record<string, number>): Promise<void> {
    const name = process.env.FAULTLINE_SYSTEM ?? 'reference-platform';
    const factory = systems[name];
    if (!factory)
      throw new Error(
        `FAULTLINE_SYSTEM=${name} is not a known system; known: ${Object.keys(systems).join(', ')}`,
      );
    const system = factory(scale);
    this.systemValue = system;
    if (system.prepare) {
      this.workdir = await makeTempDir('system');
      await system.prepare(this.workdir.path);
    }
    const backend = selectBackend();
    this.envValue = await live.track(backend.up(system.topology, { seed: this.seed }));
  }

  private pending: PendingOperation | undefined;

  /** An operation left in flight by "starts submitting", for later steps to strike and collect. */
  startOperation(pending: { id: string; invokedAt: number; done: Promise<Operation> }): void {
    pending.done.catch(() => {});
    this.pending = { ...pending, operation: { invokedAt: pending.invokedAt } };
  }

  pendingOperation(): PendingOperation {
    if (!this.pending) throw new Error('no request is in flight: use "a client starts submitting …" first');
    return this.pending;
  }

  duration(text: string): number {
    return parseDuration(text);
  }

  nextOperationId(kind: string): string {
    this.operationCount += 1;
    const slug = kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    return `${slug}-${this.seed}-${Date.now().toString(36)}-${this.operationCount}`;
  }

  async down(): Promise<void> {
    try {
      if (this.envValue) await live.release(this.envValue);
    } finally {
      await this.workdir?.remove();
    }
  }
}

setWorldConstructor(FaultlineWorld);
