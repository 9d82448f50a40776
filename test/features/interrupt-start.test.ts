import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import { seeded } from '../../support/random.ts';
import { ROOT } from './cucumber-run.ts';
import { release, startTarget, strike, TooLate } from './interrupted.ts';
import { MessageWatch, type Moment } from './messages.ts';
import { until } from './residue.ts';

// Many interrupts aimed at the first seconds of a run, on a loaded machine: support code loading, the start
// sweep, the first environment's preparation (its temp dir, the PKI, the first services and links). That is where an
// interrupt's teardown is quickest — nothing is up yet — and so where the exit overtakes work still queued
// in Node's thread pool: a faultline-system-* dir once outlived such a run (the mkdtemp ran after the exit
// handlers; support/cleanup/tmp.ts). CPU hogs beside the runners stretch those windows as a busy CI machine
// does. After each interrupt: no process, listening port, temp dir, proxy or container of the run is left.
// Seeded (FAULTLINE_START_INTERRUPT_SEED repeats the strikes); FAULTLINE_START_INTERRUPT_RUNS sets how
// many, FAULTLINE_START_INTERRUPT_HOGS how many busy loops load the machine (default: one per core).

const FEATURE = 'test/features/interrupt/experiment.feature';
const RUNS = Number(process.env.FAULTLINE_START_INTERRUPT_RUNS ?? 20);
const CONCURRENCY = Number(process.env.FAULTLINE_START_INTERRUPT_CONCURRENCY ?? 2);
const HOGS = Number(process.env.FAULTLINE_START_INTERRUPT_HOGS ?? availableParallelism());
const SEED = Number(process.env.FAULTLINE_START_INTERRUPT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** The first scenario alone: its Given brings the environment up, which is all these runs get to. */
const firstScenario = readFileSync(join(ROOT, FEATURE), 'utf8')
  .split('\n')
  .findIndex((l) => /^\s*Scenario:/.test(l));

/** Where a strike is aimed: a point of the run's start, and how long after it the signal may come. */
interface Anchor {
  name: string;
  /** The message that marks the point; none: the runner's start (support code still loading). */
  moment?: Moment;
  /** The point is the first proxy the run creates in its external fault proxy (the links coming up). */
  firstLink?: boolean;
  maxDelayMs: number;
}
const anchors: Anchor[] = [
  // On a loaded machine loading takes seconds; a strike that comes after it is a start-sweep strike.
  { name: 'while support code loads (from the runner start)', maxDelayMs: 4_000 },
  { name: 'in the start sweep (from the test run start)', moment: { kind: 'run' }, maxDelayMs: 300 },
  // Its temp dir and PKI first, then the stores, the links (proxies in an external fault proxy), the nodes.
  {
    name: "in the first environment's preparation (from its Given step start)",
    moment: { kind: 'step', scenario: 0, step: 0 },
    maxDelayMs: 2_500,
  },
  // The links of a topology half up: proxies an external fault proxy keeps after the run unless removed.
  {
    name: 'as the links come up (from the first proxy in the external fault proxy)',
    firstLink: true,
    maxDelayMs: 600,
  },
];

interface Strike {
  index: number;
  anchor: Anchor;
  delayMs: number;
  signal: 'SIGINT' | 'SIGTERM';
  externalProxy: boolean;
}

function strikes(seed: number, runs: number): Strike[] {
  const random = seeded(seed);
  return Array.from({ length: runs }, (_, index) => {
    const anchor = anchors[index % anchors.length]!;
    // Squared after a message: most strikes land early, where the windows are (a temp dir being made).
    const delayMs = Math.floor(random() ** (anchor.moment ? 2 : 1) * anchor.maxDelayMs);
    return {
      index,
      anchor,
      delayMs,
      signal: random() < 0.5 ? 'SIGINT' : 'SIGTERM',
      externalProxy: anchor.firstLink === true || random() < 0.5,
    };
  });
}

const work = mkdtempSync(join(tmpdir(), 'interrupt-start-test-'));
// Postgres runs under its own account when the runner is root: it must be able to reach its data dir.
chmodSync(work, 0o755);

// A busy loop that ends when this test process is gone (reparented), so a killed test leaves no hog.
const HOG = 'const p = process.ppid; for (let i = 0; ; i++) if (i % 1e8 === 0 && process.ppid !== p) break;';
const hogs: ChildProcess[] = [];
before(() => {
  for (let i = 0; i < HOGS; i++) hogs.push(spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' }));
});
after(() => {
  for (const hog of hogs) hog.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

async function struckRun(strike_: Strike): Promise<string> {
  const name = `start-${strike_.index}`;
  const messages = join(work, `${name}.ndjson`);
  const target = await startTarget(
    work,
    name,
    [`${FEATURE}:${firstScenario + 1}`, '--format', `message:${messages}`],
    { externalProxy: strike_.externalProxy, seed: SEED },
  );
  try {
    const { moment } = strike_.anchor;
    if (moment) {
      const watch = new MessageWatch(messages);
      // Polled often: the first environment's temp dir is made within milliseconds of its step's start.
      const reached = await until(() => target.exited() || watch.reached(moment), 120_000, 5);
      assert.ok(
        reached && !target.exited(),
        `the run never got ${strike_.anchor.name}:\n${target.run.output()}`,
      );
    }
    if (strike_.anchor.firstLink) {
      const proxies = new ToxiproxyClient(target.proxy!.url);
      const deadline = Date.now() + 120_000;
      while (!target.exited() && Date.now() < deadline && (await proxies.proxies()).length === 0)
        await new Promise((r) => setTimeout(r, 10));
      assert.ok(!target.exited(), `the run never created a link:\n${target.run.output()}`);
    }
    await new Promise((r) => setTimeout(r, strike_.delayMs));
    return await strike(target, strike_.signal, `${strike_.anchor.name} + ${strike_.delayMs} ms`);
  } finally {
    await release(target);
  }
}

test(`SIGINT/SIGTERM in the first seconds of ${RUNS} runs, beside ${HOGS} CPU hogs, leaves nothing behind (seed ${SEED})`, {
  concurrency: CONCURRENCY,
  timeout: 600_000,
}, async (t) => {
  t.diagnostic(`FAULTLINE_START_INTERRUPT_SEED=${SEED} repeats these strikes`);
  process.stdout.write(`# start-interrupt test seed: FAULTLINE_START_INTERRUPT_SEED=${SEED}\n`);
  await Promise.all(
    strikes(SEED, RUNS).map((s) =>
      t.test(
        `run ${s.index + 1}: ${s.signal} ${s.anchor.name} + ${s.delayMs} ms${s.externalProxy ? ', external proxy' : ''}`,
        { timeout: 120_000 },
        async (st) => {
          try {
            st.diagnostic(await struckRun(s));
          } catch (error) {
            if (!(error instanceof TooLate)) throw error;
            st.skip(`${error.message}: the run finished before the signal could land`);
          }
        },
      ),
    ),
  );
});
