import { awaitServicesAnswer, awaitSteadyState } from '../checks/steady-state.ts';
import { live } from '../cleanup/live.ts';
import { inspectAfterRollback } from '../faults/clean.ts';
import type { FaultRecord, TrafficProof } from '../faults/ledger.ts';
import { patternKey } from '../plan/steps.ts';
import { proxyName } from '../system/topology.ts';
import { steadyStateWords } from '../system/words.ts';
import type { FaultlineWorld } from '../world.ts';
import {
  loadStepLibrary,
  type MatchedStep,
  matchFault,
  matchSteadyState,
  type StepLibrary,
  type WorldOptions,
} from './vocabulary.ts';

// One game day in the `up` process: the World a scenario would have (its environment, its fault ledger, its
// seed), brought up by a steady-state step of the vocabulary and then driven by hand — a fault step at a
// time, an undo at a time — until it is taken down with the same rollback, clean check and teardown as a
// scenario's After hook. Requests are served one after another: a fault is applied, proven and in the
// ledger before the next request is looked at, as steps follow each other in a scenario.

export interface FaultReport {
  id: number;
  kind: string;
  description: string;
  targets: string[];
  state: FaultRecord['state'];
  evidence: string[];
  durationMs?: number;
  felt?: TrafficProof;
  undoError?: string;
}

export interface DownReport {
  /** What the rollback and the clean check found left behind (empty: clean). */
  problems: string[];
  /** Services that died by themselves during the game day (the system failing, not the rollback). */
  findings: string[];
  /** Faults whose traffic proof failed: the system's traffic never met them. */
  withoutEffect: string[];
  faults: FaultReport[];
}

const report = (r: FaultRecord): FaultReport => ({
  id: r.id,
  kind: r.kind,
  description: r.description,
  targets: r.targets,
  state: r.state,
  evidence: r.evidence,
  ...(r.plannedMs === undefined ? {} : { durationMs: r.plannedMs }),
  ...(r.felt ? { felt: r.felt } : {}),
  ...(r.undoError ? { undoError: r.undoError } : {}),
});

export class GameDay {
  private queue: Promise<unknown> = Promise.resolve();
  /** The step text that applied each fault (by ledger id): what `faultline undo "<step>"` names. */
  private readonly texts = new Map<number, string>();
  private stopped = false;

  readonly world: FaultlineWorld;
  private readonly library: StepLibrary;
  /** What the steady-state step attached: each link's probe answering. */
  readonly steadyState: string[];
  /** How long loading the step definitions took, and bringing the system up until it answered. */
  timings = { loadMs: 0, upMs: 0 };

  /** The steady-state step the game day was brought up with: what `status --steady-state` checks again. */
  private readonly given: MatchedStep;

  private constructor(
    world: FaultlineWorld,
    library: StepLibrary,
    steadyState: string[],
    given: MatchedStep,
  ) {
    this.world = world;
    this.library = library;
    this.steadyState = steadyState;
    this.given = given;
  }

  /** Loads the vocabulary, builds a World and runs the steady-state step in it: the topology is up and answers. */
  static async start(options: {
    cwd: string;
    profile?: string;
    system?: string;
    given: string;
  }): Promise<GameDay> {
    const loading = performance.now();
    const library = await loadStepLibrary(options.cwd, options.profile);
    const loadedMs = performance.now() - loading;
    const attached: string[] = [];
    const worldOptions: WorldOptions = {
      attach: (data) => void (typeof data === 'string' && attached.push(data)),
      log: (text) => void attached.push(text),
      link: () => {},
      parameters: {
        ...library.worldParameters,
        ...(options.system ? { system: options.system } : {}),
      },
    };
    const world = new library.World(worldOptions) as FaultlineWorld;
    world.scenario = 'game day';
    world.identity = `game day:${options.cwd}:${options.given}`;
    // An interrupt (Ctrl-C, SIGTERM) rolls these faults back, as it does a scenario's.
    live.trackFaults(world.faults);
    const step = matchSteadyState(library.steps, options.given, world);
    const starting = performance.now();
    try {
      await step.definition.code.apply(world, step.args);
    } catch (error) {
      await world.down();
      throw error;
    }
    const gameDay = new GameDay(world, library, attached.join('\n').split('\n').filter(Boolean), step);
    gameDay.timings = { loadMs: loadedMs, upMs: performance.now() - starting };
    return gameDay;
  }

  /** Every service's own address and every link's proxy listener, as the harness reaches them. */
  addresses() {
    const env = this.world.env;
    const at = (e: { host: string; port: number }) => `${e.host}:${e.port}`;
    return {
      system: env.topology.name,
      backend: env.backend,
      proxy: env.toxiproxy.url,
      services: env.topology.services.map((s) => ({
        name: s.name,
        kind: s.kind,
        address: at(env.endpoint(s.name)),
      })),
      links: env.topology.links.map((l) => ({
        from: l.from,
        to: l.to,
        ...(l.port ? { port: l.port } : {}),
        proxy: proxyName(l),
        address: at(env.linkEndpoint(l.from, l.to, l.port)),
      })),
    };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private refuseWhenStopped(): void {
    if (this.stopped) throw new Error('the game day is being taken down: nothing more is applied');
  }

  /**
   * Runs a fault step. Whatever the step put in the ledger is reported; when the step fails, what it
   * applied is undone at once, so a refused or failed fault leaves nothing behind.
   */
  fault(text: string): Promise<FaultReport[]> {
    return this.serial(async () => {
      this.refuseWhenStopped();
      const step = matchFault(this.library.steps, text, this.world);
      const before = this.world.faults.records.length;
      try {
        await step.definition.code.apply(this.world, step.args);
      } catch (error) {
        const applied = this.world.faults.records.slice(before);
        if (applied.length === 0) throw error;
        const undone = await Promise.all(
          applied.map((r) =>
            this.world.faults.heal(r).then(
              () => `#${r.id} undone`,
              (e: Error) => `#${r.id} undo failed: ${e.message}`,
            ),
          ),
        );
        const message = (error as Error).message;
        throw new Error(`${message} (${undone.join('; ')})`);
      }
      const applied = this.world.faults.records.slice(before);
      for (const r of applied) this.texts.set(r.id, step.text);
      return applied.map(report);
    });
  }

  /**
   * Undoes one fault by its id, every fault a step text applied that is still in place (what a Chaos Toolkit
   * rollback names: nothing to do when it healed by itself), or every fault in place; newest first, each
   * with its traffic proof.
   */
  undo(target: number | 'all' | { text: string }): Promise<FaultReport[]> {
    return this.serial(async () => {
      const records = this.world.faults.records;
      let chosen: FaultRecord[];
      if (target === 'all') chosen = this.world.faults.active().reverse();
      else if (typeof target === 'object') {
        // The text must be a fault step: a typo in a rollback is an error, not a silent no-op.
        const { text } = matchFault(this.library.steps, target.text, this.world, 'undone');
        chosen = this.world.faults
          .active()
          .filter((r) => this.texts.get(r.id) === text)
          .reverse();
      } else {
        const record = records.find((r) => r.id === target);
        if (!record)
          throw new Error(
            `there is no fault #${target} in this game day; faults: ${records.length === 0 ? 'none yet' : records.map((r) => `#${r.id} ${r.description} (${r.state})`).join(', ')}`,
          );
        chosen = [record];
      }
      for (const record of chosen) await this.world.faults.heal(record);
      return chosen.map(report);
    });
  }

  /** The faults of the game day so far, and whether every service still answers through every link. */
  async status(probe: boolean): Promise<{ faults: FaultReport[]; steadyState?: string[] }> {
    const faults = this.world.faults.records.map(report);
    if (!probe) return { faults };
    const env = this.world.env;
    // "A healthy coordinator with N registered members": the coordinator must still see every member healthy.
    if (
      patternKey(this.given.definition.pattern).startsWith('a healthy {word} with {int} registered {word}')
    ) {
      const [coordinatorWord, count, groupWord] = this.given.args as [string, number, string];
      const { coordinator, group } = steadyStateWords(env.topology, coordinatorWord, count, groupWord);
      return {
        faults,
        steadyState: await awaitSteadyState(env, this.world.system, coordinator, group, count, 5_000),
      };
    }
    return { faults, steadyState: await awaitServicesAnswer(env, 5_000) };
  }

  /** The After hook's work: roll back, check the environment clean, stop everything. */
  down(): Promise<DownReport> {
    this.stopped = true;
    return this.serial(async () => {
      const problems: string[] = [];
      const findings: string[] = [];
      try {
        live.releaseFaults(this.world.faults);
        problems.push(...(await this.world.faults.rollback()));
        if (this.world.hasEnv) {
          const after = await inspectAfterRollback(this.world.env, this.world.faults.records);
          findings.push(...after.findings);
          problems.push(...after.problems);
        }
      } finally {
        await this.world.down();
      }
      return {
        problems,
        findings,
        withoutEffect: this.world.faults.withoutEffect(),
        faults: this.world.faults.records.map(report),
      };
    });
  }
}
