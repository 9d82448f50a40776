import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { seeded } from '../../support/random.ts';
import { ROOT, runCucumber } from './cucumber-run.ts';
import { release, startTarget, strike, TooLate, tempRoot } from './interrupted.ts';
import { describeMoment, MessageWatch, type Moment } from './messages.ts';
import {
  listeningPortsOf,
  processesOf,
  processesOfRun,
  stillAlive,
  stillListening,
  until,
} from './residue.ts';

// Ctrl-C (or SIGTERM) at random moments of real experiments — the run starting, the topology coming up,
// load running, a partition, a latency fault, a forged certificate, a crash being applied or held, a
// request in flight, a verdict being judged, the rollback itself — located by what the run is doing (its
// message stream), not by the clock, since a loaded machine shifts every timing. After each: no process, no
// listening port, no temp dir, no proxy or toxic (runs against an external fault proxy, which outlives
// them), no container of the run. Then SIGKILL of the runner: its children die with it, and the next run's
// start sweep removes what it left. Seeded: FAULTLINE_INTERRUPT_SEED repeats a sequence of moments.

const FEATURE = 'test/features/interrupt/experiment.feature';
const RUNS = Number(process.env.FAULTLINE_INTERRUPT_RUNS ?? 22);
const CONCURRENCY = Number(process.env.FAULTLINE_INTERRUPT_CONCURRENCY ?? 3);
const SEED = Number(process.env.FAULTLINE_INTERRUPT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Step texts and line of each scenario, read from the feature itself. */
const featureLines = readFileSync(join(ROOT, FEATURE), 'utf8').split('\n');
const scenarioLines = featureLines.flatMap((l, i) => (/^\s*Scenario:/.test(l) ? [i + 1] : []));
const scenarios: string[][] = scenarioLines.map((line, s) =>
  featureLines
    .slice(line, scenarioLines[s + 1] ? scenarioLines[s + 1]! - 1 : undefined)
    .map((l) => l.trim())
    .filter((l) => /^(Given|When|Then|And|But) /.test(l))
    .map((l) => l.replace(/^\S+ /, '')),
);
const stepText = (scenario: number, step: number) => scenarios[scenario]?.[step] ?? '?';

const moments: Moment[] = [
  { kind: 'run' },
  ...scenarios.flatMap((steps, scenario): Moment[] => [
    ...steps.map((_, step): Moment => ({ kind: 'step', scenario, step })),
    { kind: 'after', scenario },
  ]),
];

interface Plan {
  index: number;
  moment: Moment;
  /** How long after the moment started the signal is sent. */
  delayMs: number;
  signal: 'SIGINT' | 'SIGTERM';
  /** Against an external fault proxy (FAULTLINE_TOXIPROXY_URL): toxics and proxies must be removed from it. */
  externalProxy: boolean;
}

/** Every moment at least once (a seeded permutation, cycled), each with a seeded delay. */
function plans(seed: number, runs: number): Plan[] {
  const random = seeded(seed);
  const order = moments.map((m) => ({ m, key: random() })).sort((a, b) => a.key - b.key);
  return Array.from({ length: runs }, (_, index) => {
    const moment = order[index % order.length]!.m;
    // A rollback is short, and the last one ends the run: strike early in it.
    const maxDelay = moment.kind === 'after' ? 100 : moment.kind === 'run' ? 300 : 700;
    return {
      index,
      moment,
      delayMs: Math.floor(random() * maxDelay),
      signal: random() < 0.25 ? 'SIGTERM' : 'SIGINT',
      externalProxy: random() < 0.4,
    };
  });
}

const work = mkdtempSync(join(tmpdir(), 'interrupt-test-'));
// Postgres runs under its own account when the runner is root: it must be able to reach its data dir.
chmodSync(work, 0o755);

let attempts = 0;
async function interruptedRun(plan: Plan): Promise<string> {
  attempts += 1;
  const name = `run-${plan.index}-${attempts}`;
  const messages = join(work, `${name}.ndjson`);
  const where = describeMoment(plan.moment, stepText);
  // A moment inside a scenario runs that scenario alone (the runs stay short; cucumber still announces every
  // pickle, so scenarios keep their index); the run's start and the first scenario's rollback (the next
  // scenario about to start) run the whole feature.
  const alone = plan.moment.kind === 'step' || (plan.moment.kind === 'after' && plan.moment.scenario > 0);
  const scenario = plan.moment.kind === 'run' ? 0 : plan.moment.scenario;
  const target = await startTarget(
    work,
    name,
    [alone ? `${FEATURE}:${scenarioLines[scenario]}` : FEATURE, '--format', `message:${messages}`],
    { externalProxy: plan.externalProxy, seed: SEED },
  );
  try {
    const watch = new MessageWatch(messages);
    const reached = await until(() => target.exited() || watch.reached(plan.moment), 120_000);
    assert.ok(reached && !target.exited(), `the run never got ${where}:\n${target.run.output()}`);
    await new Promise((r) => setTimeout(r, plan.delayMs));
    const at = `${where} + ${plan.delayMs} ms`;
    return `${plan.signal} ${at}: ${await strike(target, plan.signal, at)}`;
  } finally {
    await release(target);
  }
}

test(`SIGINT/SIGTERM at ${RUNS} random moments leaves nothing behind (seed ${SEED})`, {
  concurrency: CONCURRENCY,
  timeout: 600_000,
}, async (t) => {
  t.diagnostic(`FAULTLINE_INTERRUPT_SEED=${SEED} repeats these moments`);
  process.stdout.write(`# interrupt test seed: FAULTLINE_INTERRUPT_SEED=${SEED}\n`);
  await Promise.all(
    plans(SEED, RUNS).map((plan) =>
      t.test(
        `run ${plan.index + 1}: ${plan.signal} ${describeMoment(plan.moment, stepText)} + ${plan.delayMs} ms${plan.externalProxy ? ', external proxy' : ''}`,
        {
          timeout: 180_000,
        },
        async (st) => {
          try {
            st.diagnostic(await interruptedRun(plan));
          } catch (error) {
            if (!(error instanceof TooLate)) throw error;
            // A fast last step can be over before its delay has passed: strike the same moment at once.
            try {
              st.diagnostic(`${error.message}; again with no delay`);
              st.diagnostic(await interruptedRun({ ...plan, delayMs: 0 }));
            } catch (again) {
              if (!(again instanceof TooLate)) throw again;
              st.skip(`${again.message}: the run finished before any signal could land`);
            }
          }
        },
      ),
    ),
  );
});

test('after SIGKILL of the runner its children die with it, and the next run sweeps what it left', {
  timeout: 180_000,
}, async (t) => {
  const marker = `FAULTLINE_TEST_RUN=${process.pid}-sigkill-${Date.now()}`;
  const tmp = tempRoot(work, 'sigkill');
  const messages = join(work, 'sigkill.ndjson');
  const run = runCucumber([FEATURE, '--format', `message:${messages}`], {
    FAULTLINE_TEST_RUN: marker.split('=')[1],
    TMPDIR: tmp,
  });
  t.after(() => run.child.kill('SIGKILL'));
  const watch = new MessageWatch(messages);
  // While the partition is held: toxics in place, every service up.
  const partition = scenarios[0]!.findIndex((s) => s.includes('is partitioned'));
  const target: Moment = { kind: 'step', scenario: 0, step: partition };
  assert.ok(
    await until(() => watch.reached(target), 120_000),
    `never got to the partition:\n${run.output()}`,
  );
  await new Promise((r) => setTimeout(r, 300));
  const processes = processesOfRun(run.child.pid!, marker).filter((p) => p.pid !== run.child.pid);
  const children = processes.map((p) => p.pid);
  const ports = listeningPortsOf(children);
  assert.ok(children.length >= 5, `too little was running to prove anything: ${children.join(', ')}`);
  run.child.kill('SIGKILL');
  await run.done;
  // The parent-death signal and the stdin lifeline: nothing of the run outlives it for long.
  const outliving = () => [...new Set([...stillAlive(processes), ...processesOf(marker)])];
  const died = await until(() => outliving().length === 0, 5_000);
  assert.ok(died, `children outlived the SIGKILLed runner: ${outliving().join(', ')}`);
  assert.deepEqual(stillListening(ports, children, marker), []);
  const left = readdirSync(tmp);
  assert.ok(left.length > 0, 'the killed run left no temp dir, so the sweep would prove nothing');

  // The next run, sharing the temp root, sweeps before it starts anything (no scenario needs to run).
  const next = runCucumber([FEATURE, '--tags', '@no-scenario-has-this-tag'], { TMPDIR: tmp });
  const result = await next.done;
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /removed leftovers of dead runs: .*dirs/);
  assert.deepEqual(readdirSync(tmp), [], `not swept: ${left.join(', ')}\n${result.output}`);
});

after(() => rmSync(work, { recursive: true, force: true }));
