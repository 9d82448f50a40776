// Benchmark of the feature suite (issue 17): runs the features through the `ci` profile, serially and in
// parallel, and prints each run's wall time beside what it cannot be faster than — the waits its scenarios
// mandate (bench/suite/waits.ts) — and beside the time spent bringing topologies up (each scenario's
// steady-state step) and tearing them down (the rollback-and-teardown hook), read from the run's Cucumber
// messages. The load average is sampled through each run: figures on a shared machine mean little without it.
//
//   npm run bench:suite -- [--backend local|containers] [--modes serial,parallel] [--workers 2] [--runs 1]
//                          [cucumber-js arguments: features, --tags …]   (FAULTLINE_BENCH_KEEP=1 keeps reports)
//   e.g. npm run bench:suite -- --modes serial features/network      (default: every feature, both modes)
//
// Target (issue 17): serial wall ≤ 1.3 × the mandated waits + one topology start per scenario (at this
// run's median start).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunTiming, readRun } from './suite/messages.ts';
import { mandatedWaits } from './suite/waits.ts';

// Our own options are taken out; everything else (features, --tags …) goes to cucumber-js as written.
const OWN = ['--backend', '--modes', '--workers', '--runs'] as const;
const own: Record<string, string> = {
  '--backend': process.env.FAULTLINE_BACKEND || 'local',
  '--modes': 'serial,parallel',
  '--workers': '2',
  '--runs': '1',
};
const passThrough: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  const [name, inline] = arg.split('=', 2) as [string, string | undefined];
  if ((OWN as readonly string[]).includes(name)) {
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`bench/suite: ${name} needs a value`);
    own[name] = value;
  } else passThrough.push(arg);
}
const backend = own['--backend']!;
const modes = own['--modes']!.split(',');
const workers = Number(own['--workers']);
const runs = Number(own['--runs']);
for (const mode of modes)
  if (mode !== 'serial' && mode !== 'parallel')
    throw new Error(`bench/suite: --modes takes serial and/or parallel (comma-separated), got '${mode}'`);
if (!Number.isInteger(workers) || workers < 2)
  throw new Error(`bench/suite: --workers takes a whole number from 2 up, got '${own['--workers']}'`);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`bench/suite: --runs takes a whole number from 1 up, got '${own['--runs']}'`);
const keep = process.env.FAULTLINE_BENCH_KEEP === '1';

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const sec = (msValue: number): string => `${(msValue / 1000).toFixed(1)} s`;

interface Measured {
  mode: string;
  code: number | null;
  processWallMs: number;
  run: RunTiming;
  load: { start: number; mean: number; max: number };
}

async function once(mode: string): Promise<Measured> {
  const reports = mkdtempSync(join(tmpdir(), 'faultline-bench-suite-'));
  const parallel = mode === 'serial' ? '0' : String(workers);
  const args = [
    'node_modules/@cucumber/cucumber/bin/cucumber.js',
    '-p',
    'ci',
    '--parallel',
    parallel,
    '--format',
    'summary',
    ...passThrough,
  ];
  const loads: number[] = [];
  const start = loadavg()[0]!;
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 2000);
  const t0 = performance.now();
  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, FAULTLINE_BACKEND: backend, FAULTLINE_REPORTS_DIR: reports, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.once('exit', resolve);
  });
  const processWallMs = performance.now() - t0;
  clearInterval(sampler);
  loads.push(loadavg()[0]!);
  const run = readRun(join(reports, 'messages.ndjson'));
  if (code !== 0) {
    const summary = output.split('\n').filter((l) => /^\d+ scenarios? \(/.test(l));
    process.stderr.write(`bench/suite: the ${mode} run failed (exit ${code}): ${summary.join(' ')}\n`);
    process.stderr.write(
      `${output
        .split('\n')
        .filter((l) => /^\s+\d+\) Scenario/.test(l))
        .join('\n')}\n`,
    );
  }
  if (keep) process.stderr.write(`bench/suite: ${mode} run's reports kept in ${reports}\n`);
  else rmSync(reports, { recursive: true, force: true });
  return {
    mode,
    code,
    processWallMs,
    run,
    load: { start, mean: sum(loads) / loads.length, max: Math.max(...loads) },
  };
}

process.stdout.write(
  `feature suite on ${backend}, ${passThrough.length ? passThrough.join(' ') : 'every feature'}; ${availableParallelism()} cores; modes ${modes.join(', ')} (parallel: ${workers} workers); ${runs} run(s) each\n`,
);
const results: Measured[] = [];
for (let i = 0; i < runs; i++) for (const mode of modes) results.push(await once(mode));

for (const mode of modes) {
  const mine = results.filter((r) => r.mode === mode);
  const rows = mine.map((r) => {
    const scenarios = r.run.scenarios;
    const waits = sum(scenarios.map((s) => mandatedWaits(s.steps).ms));
    const up = sum(scenarios.map((s) => s.upMs));
    const down = sum(scenarios.map((s) => s.downMs));
    const inCases = sum(scenarios.map((s) => s.ms));
    const medianUp = median(scenarios.map((s) => s.upMs));
    const target = 1.3 * waits + scenarios.length * medianUp;
    const passed = scenarios.filter((s) => s.status === 'PASSED').length;
    return { r, scenarios, waits, up, down, inCases, medianUp, target, passed };
  });
  for (const row of rows) {
    const { r, scenarios, waits, up, down, inCases, medianUp, target, passed } = row;
    const between = inCases - waits - up - down;
    process.stdout.write(
      [
        `\n${mode}${mode === 'parallel' ? ` (${workers} workers)` : ''}: ${scenarios.length} scenarios, ${passed} passed, exit ${r.code}; load ${r.load.start.toFixed(1)} at start, ${r.load.mean.toFixed(1)} mean, ${r.load.max.toFixed(1)} max`,
        `  wall                        ${sec(r.run.wallMs)} (process ${sec(r.processWallMs)})`,
        `  mandated waits (sum)        ${sec(waits)}  → wall is ${(r.run.wallMs / waits).toFixed(2)}× the waits`,
        `  topologies up (sum)         ${sec(up)}  (median ${sec(medianUp)} per scenario)`,
        `  rollback + teardown (sum)   ${sec(down)}`,
        `  rest of the steps (sum)     ${sec(between)}  (scenarios' time minus waits, up and down)`,
        mode === 'serial'
          ? `  target: wall ≤ 1.3 × waits + one start per scenario = ${sec(target)}: ${r.run.wallMs <= target ? 'met' : 'NOT met'}`
          : `  parallel speed-up: scenario time ${sec(inCases)} in ${sec(r.run.wallMs)} wall (${(inCases / r.run.wallMs).toFixed(2)}×)`,
      ].join('\n') + '\n',
    );
  }
  if (rows.length > 1)
    process.stdout.write(
      `  ${mode}: median wall ${sec(median(rows.map((x) => x.r.run.wallMs)))} of ${rows.length} runs, median waits ratio ${median(rows.map((x) => x.r.run.wallMs / x.waits)).toFixed(2)}×, mean load ${median(rows.map((x) => x.r.load.mean)).toFixed(1)}\n`,
    );
}
// The slowest scenarios' overhead, where the time between waits goes.
const last = results.at(-1);
if (last) {
  process.stdout.write('\nper scenario (last run): total / waits / up / down, the largest gaps first\n');
  const detail = last.run.scenarios
    .map((s) => ({ s, w: mandatedWaits(s.steps).ms }))
    .sort((a, b) => b.s.ms - b.w - b.s.upMs - (a.s.ms - a.w - a.s.upMs))
    .slice(0, 12);
  for (const { s, w } of detail)
    process.stdout.write(
      `  ${sec(s.ms).padStart(7)} ${sec(w).padStart(7)} ${sec(s.upMs).padStart(7)} ${sec(s.downMs).padStart(7)}  ${s.name} (${s.uri})${s.status === 'PASSED' ? '' : ` ${s.status}`}\n`,
    );
}
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
