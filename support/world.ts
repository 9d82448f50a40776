import { Before, BeforeAll, type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import { parameter } from 'allure-js-commons';
import type { ForgedServerCertificate } from './checks/server-certificates.ts';
import type { Verdict } from './checks/verdict.ts';
import { live } from './cleanup/live.ts';
import { makeTempDir, type TempDir } from './cleanup/tmp.ts';
import type { Flood } from './data/flood.ts';
import { selectBackend } from './env/backends.ts';
import type { Environment } from './env/environment.ts';
import { FaultLedger } from './faults/ledger.ts';
import { History, type Operation } from './load/history.ts';
import type { Hypothesis } from './observe/hypothesis.ts';
import { type Prometheus, startPrometheus } from './observe/prometheus/index.ts';
import { parseDuration } from './parse.ts';
import { derive, type Random, runSeed, token } from './random.ts';
import { ONCE_PER_RUN } from './run/workers.ts';
import { loadSystem } from './system/config.ts';
import type { System } from './system/system.ts';

interface PendingOperation {
  id: string;
  operation: { invokedAt: number };
  done: Promise<Operation>;
}

// The seed is drawn once per run (runSeed hands it on to parallel workers) so every scenario of a run, and
// its re-run with FAULTLINE_SEED, shares it.
const SEED = runSeed();

/** Per-scenario state: the environment, the fault ledger, the recorded history, the seed. */
export class FaultlineWorld extends World {
  readonly seed = SEED;
  readonly faults = new FaultLedger();
  readonly history = new History();
  readonly verdicts: Verdict[] = [];
  /** Malformed requests sent by data-fault steps, for their verdicts. */
  readonly floods: Flood[] = [];
  /** Server certificates a fault of this scenario made a service present, for the refusal verdict. */
  readonly forgedServerCertificates: ForgedServerCertificate[] = [];
  readonly startedAt = Date.now();
  /** Set before the scenario runs when a step of it reads PromQL: its environment then gets a Prometheus. */
  usesPromql = false;
  private prometheusValue: Promise<Prometheus> | undefined;
  private systemValue: System | undefined;
  private envValue: Environment | undefined;
  private operationCount = 0;
  private workdir: TempDir | undefined;
  private idPrefix: string | undefined;
  scenario = 'scenario';
  /** Where the scenario is and what it does (file, name, steps): the same on a re-run, distinct per row. */
  identity = 'scenario';
  /** The steady-state hypothesis the scenario declared, checked in the background until rollback. */
  hypothesis: Hypothesis | undefined;

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
    const { system } = await loadSystem(scale, { system: this.parameters?.system });
    this.systemValue = system;
    if (system.prepare) {
      this.workdir = await makeTempDir('system');
      await system.prepare(this.workdir.path);
      // What prepare wrote (certificates, seed files) every service sees at the same path, on any backend.
      system.topology.sharedDirs = [this.workdir.path];
    }
    const backend = selectBackend(this.parameters?.backend);
    this.envValue = await live.track(backend.up(system.topology, { seed: this.seed }));
    // Started with the environment, not at the first PromQL step: a rate needs a few scrapes of history,
    // and the steady state is declared only once every target has been scraped.
    if (this.usesPromql) await this.prometheus();
  }

  /** The environment's Prometheus, started on first use (and stopped with the environment). */
  prometheus(): Promise<Prometheus> {
    this.prometheusValue ??= startPrometheus(this.env).then((p) => {
      this.attach(
        `Prometheus (${p.started.where}) at ${p.started.url} up in ${p.startMs} ms, scraping every 1 s: ${p.targets
          .map((t) => `${t.job} ${t.address}${t.path ?? '/metrics'}`)
          .join(', ')}`,
        { mediaType: 'text/plain', fileName: 'prometheus.txt' },
      );
      return p;
    });
    this.prometheusValue.catch(() => {
      this.prometheusValue = undefined;
    });
    return this.prometheusValue;
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

  /**
   * Request ids (and so idempotency keys) come from the seed and the scenario, never the clock: a re-run
   * with the same seed sends the same ids, and two scenarios of one run do not share them.
   */
  nextOperationId(kind: string): string {
    this.operationCount += 1;
    this.idPrefix ??= token(derive(this.seed, `${this.identity}:operation-ids`));
    const slug = kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    return `${slug}-${this.idPrefix}-${this.operationCount}`;
  }

  async down(): Promise<void> {
    try {
      // Before the environment: a Prometheus scraping stopped services would only log errors meanwhile.
      await this.prometheusValue?.then((p) => p.stop()).catch(() => undefined);
      if (this.envValue) await live.release(this.envValue);
    } finally {
      await this.workdir?.remove();
    }
  }
}

setWorldConstructor(FaultlineWorld);

// A plain line at the start of the run (not in a dry run, which draws nothing), on stderr so formatters
// writing to stdout stay machine-readable; once, by the coordinator, however many workers run.
BeforeAll(ONCE_PER_RUN, () => {
  process.stderr.write(`faultline: seed ${SEED} (FAULTLINE_SEED=${SEED} repeats this run)\n`);
});

// The seed in every scenario's report: an Allure parameter, and a line in the Cucumber report.
Before(async function (this: FaultlineWorld, { pickle }) {
  this.identity = `${pickle.uri}:${pickle.name}:${pickle.steps.map((s) => s.text).join('|')}`;
  this.usesPromql = pickle.steps.some((s) => /\bPromQL\b/.test(s.text));
  await parameter('seed', String(this.seed));
  this.attach(`FAULTLINE_SEED=${this.seed}`, { mediaType: 'text/plain', fileName: 'seed.txt' });
});
