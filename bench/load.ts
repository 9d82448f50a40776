import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RecordedEffect, RememberedOutcome } from '../support/checks/consistency/tally.ts';
import { checkExactlyOnce, exactlyOnceVerdict } from '../support/checks/exactly-once.ts';
import type { Operation } from '../support/load/history.ts';

// The load layer's benchmark, with its baselines measured in the same run:
//   1. latency agreement: faultline's generator and wrk against one target that answers after a fixed
//      100 ms — p50 and p95 side by side (target: within 2%). The absolute difference is printed too: it is
//      the Node client's own per-request cost (an event-loop turn and the parse, a few tenths of a ms) that
//      wrk, in C, does not have — constant, so it matters less the longer the latency being measured;
//   2. throughput on one core against a trivial endpoint: faultline, autocannon and wrk (target ≥ 10,000/s);
//   3. the exactly-once checker over 100,000 synthetic operations (target < 1 s).
// The target runs on one core and every load tool on the other (taskset), one tool at a time, alternating
// order per round; figures are medians of the rounds. Loopback only; everything started is stopped.
//
// Usage: npx node bench/load.ts        (BENCH_ROUNDS=5, BENCH_SECONDS=3)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const DELAY_MS = 100;
// Enough connections for ~500 samples a second, so each round's p95 rests on over a thousand of them.
const LATENCY_CONNECTIONS = 50;
const THROUGHPUT_CONNECTIONS = 32;
const BUDGET_MS = 180_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = process.execPath;

const children = new Set<ChildProcess>();
const stopAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
const watchdog = setTimeout(() => {
  console.error(`bench: over its ${BUDGET_MS / 1000} s budget; stopping`);
  stopAll();
  process.exit(2);
}, BUDGET_MS);
watchdog.unref();

const canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
const pinned = (core: number, command: string, args: string[]): [string, string[]] =>
  canPin ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
const TARGET_CORE = 1;
const TOOL_CORE = 0;

/** Runs a tool to completion (bounded) and returns its stdout. */
function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  const [cmd, argv] = pinned(TOOL_CORE, command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
    });
  });
}

const lastJson = <T>(out: string): T => {
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON in output: ${out.slice(-300)}`);
  return JSON.parse(line) as T;
};

async function startTarget(): Promise<{ url: (path: string) => string }> {
  const [cmd, argv] = pinned(TARGET_CORE, NODE, ['bench/load-target.ts']);
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_DELAY_MS: String(DELAY_MS) },
  });
  children.add(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const match = String(d).match(/listening (\d+)/);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`target exited ${code}`)));
  });
  return { url: (path) => `http://127.0.0.1:${port}${path}` };
}

interface Figures {
  rps: number;
  p50_ms?: number;
  p95_ms?: number;
  cpu_share?: number;
}

async function faultline(url: string, connections: number): Promise<Figures> {
  const out = await run(
    NODE,
    ['bench/load-generator.ts', url, String(connections), String(SECONDS * 1000), '500'],
    30_000,
  );
  return lastJson<Figures>(out);
}

async function wrk(url: string, connections: number): Promise<Figures> {
  const out = await run(
    'wrk',
    ['-t1', `-c${connections}`, `-d${SECONDS}s`, '-s', 'bench/load-wrk.lua', url],
    30_000,
  );
  const r = lastJson<{ requests: number; seconds: number; p50_us: number; p95_us: number; errors: number }>(
    out,
  );
  if (r.errors > 0) throw new Error(`wrk saw ${r.errors} errors`);
  return { rps: r.requests / r.seconds, p50_ms: r.p50_us / 1000, p95_ms: r.p95_us / 1000 };
}

async function autocannon(url: string, connections: number): Promise<Figures> {
  const c = String(connections);
  const out = await run(
    NODE,
    [
      'node_modules/autocannon/autocannon.js',
      '-j',
      '-c',
      c,
      '-d',
      String(SECONDS),
      '-W',
      '[',
      '-c',
      c,
      '-d',
      '0.5',
      ']',
      url,
    ],
    30_000,
  );
  const r = lastJson<{
    requests: { total: number };
    duration: number;
    latency: { p50: number };
    errors: number;
  }>(out);
  if (r.errors > 0) throw new Error(`autocannon saw ${r.errors} errors`);
  return { rps: r.requests.total / r.duration, p50_ms: r.latency.p50 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`.padStart(10);
const rate = (rps: number) => `${Math.round(rps).toLocaleString('en-US')} req/s`.padStart(14);
const diff = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(2)}%`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');

/** Runs the tools in a rotating order each round, so drift in the machine's load does not favour one. */
async function rounds(tools: Record<string, () => Promise<Figures>>): Promise<Record<string, Figures[]>> {
  const names = Object.keys(tools);
  const results: Record<string, Figures[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length] as string;
      results[name]?.push(await (tools[name] as () => Promise<Figures>)());
    }
  return results;
}

function exactlyOnceData(n: number) {
  const operations: Operation[] = [];
  const charges: RecordedEffect[] = [];
  const idempotency: RememberedOutcome[] = [];
  let injected = 0;
  for (let i = 0; i < n; i++) {
    const id = `conversion-${i}`;
    const outcome = i % 100 === 0 ? 'fail' : i % 50 === 1 ? 'unknown' : 'ok';
    operations.push({
      kind: 'conversion',
      id,
      invokedAt: i,
      completedAt: i + 20,
      outcome,
      status: 200,
      attempts: [],
    });
    if (outcome === 'ok' || (outcome === 'unknown' && i % 100 === 1)) {
      charges.push({ id, at: i + 10, by: 'worker-1' });
      idempotency.push({ id, status: 'succeeded' });
    }
    // Seeded defects, so the bench times a check that finds things: 0.1% double charges.
    if (outcome === 'ok' && i % 1000 === 7) {
      charges.push({ id, at: i + 11, by: 'worker-2' });
      injected += 1;
    }
  }
  return { operations, charges, idempotency, injected };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `faultline load bench — ${canPin ? `target on core ${TARGET_CORE}, each tool alone on core ${TOOL_CORE}` : 'not pinned (taskset or a second core missing)'}; ${ROUNDS} rounds × ${SECONDS} s per tool, medians; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const busy = loadavg()[0] ?? 0;
  if (busy > availableParallelism() / 2)
    console.log(
      `   warning: the machine is busy (load ${busy.toFixed(1)} on ${availableParallelism()} cores) — pinned tools share their core with other work, so rates are low and latencies noisy; rerun on an idle machine for figures to quote`,
    );
  const target = await startTarget();

  console.log(`\n1. Latency behind a fixed ${DELAY_MS} ms (closed loop, ${LATENCY_CONNECTIONS} connections)`);
  const delay = target.url('/delay');
  const lat = await rounds({
    faultline: () => faultline(delay, LATENCY_CONNECTIONS),
    wrk: () => wrk(delay, LATENCY_CONNECTIONS),
  });
  const pick = (name: string, key: keyof Figures) => median((lat[name] ?? []).map((f) => f[key] as number));
  const fl = {
    p50: pick('faultline', 'p50_ms'),
    p95: pick('faultline', 'p95_ms'),
    rps: pick('faultline', 'rps'),
  };
  const wk = { p50: pick('wrk', 'p50_ms'), p95: pick('wrk', 'p95_ms'), rps: pick('wrk', 'rps') };
  console.log(
    `   ${'tool'.padEnd(11)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'throughput'.padStart(14)}`,
  );
  console.log(`   ${'faultline'.padEnd(11)}${fmt(fl.p50)}${fmt(fl.p95)}${rate(fl.rps)}`);
  console.log(`   ${'wrk'.padEnd(11)}${fmt(wk.p50)}${fmt(wk.p95)}${rate(wk.rps)}`);
  const d50 = Math.abs(fl.p50 - wk.p50) / wk.p50;
  const d95 = Math.abs(fl.p95 - wk.p95) / wk.p95;
  console.log(
    `   ${'difference'.padEnd(11)}${diff(fl.p50, wk.p50).padStart(10)}${diff(fl.p95, wk.p95).padStart(10)}`,
  );
  console.log(
    `   absolute   ${`${(fl.p50 - wk.p50).toFixed(2)} ms`.padStart(10)}${`${(fl.p95 - wk.p95).toFixed(2)} ms`.padStart(10)}`,
  );
  console.log(`   target: p50 and p95 within 2% of wrk → ${met(d50 <= 0.02 && d95 <= 0.02)}`);
  for (const name of ['faultline', 'wrk'])
    console.log(
      `   rounds ${name}: ${(lat[name] ?? []).map((f) => `p50 ${f.p50_ms?.toFixed(2)} / p95 ${f.p95_ms?.toFixed(2)}`).join(', ')}`,
    );

  console.log(
    `\n2. Throughput against a trivial endpoint (closed loop, ${THROUGHPUT_CONNECTIONS} connections, one core)`,
  );
  const trivial = target.url('/trivial');
  const thr = await rounds({
    faultline: () => faultline(trivial, THROUGHPUT_CONNECTIONS),
    autocannon: () => autocannon(trivial, THROUGHPUT_CONNECTIONS),
    wrk: () => wrk(trivial, THROUGHPUT_CONNECTIONS),
  });
  const rps = (name: string) => median((thr[name] ?? []).map((f) => f.rps));
  const cpu = median((thr.faultline ?? []).map((f) => f.cpu_share ?? Number.NaN));
  for (const name of ['faultline', 'autocannon', 'wrk'])
    console.log(
      `   ${name.padEnd(11)}${rate(rps(name))}   rounds: ${(thr[name] ?? []).map((f) => Math.round(f.rps)).join(', ')}${name === 'faultline' ? `   (generator used ${cpu.toFixed(2)} of a core)` : ''}`,
    );
  // Requests per second of CPU the generator actually got: what one whole core sustains, independent of
  // how much of the core a busy machine left it. Reported beside, never instead of, the measured rate.
  const perCore = median((thr.faultline ?? []).map((f) => f.rps / (f.cpu_share ?? Number.NaN)));
  console.log(`   faultline per CPU-second it was given: ${rate(perCore).trim()} (median of rounds)`);
  console.log(`   target: faultline ≥ 10,000 req/s on one core → ${met(rps('faultline') >= 10_000)}`);

  console.log('\n3. Exactly-once checker on 100,000 operations');
  const data = exactlyOnceData(100_000);
  const times: number[] = [];
  let found = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const verdict = exactlyOnceVerdict(
      checkExactlyOnce(data.operations, { effects: data.charges, remembered: data.idempotency }),
    );
    times.push(performance.now() - t0);
    found = (verdict.figures.violations as string[]).length;
  }
  if (found !== data.injected)
    throw new Error(`the checker found ${found} violations, ${data.injected} were seeded`);
  const checkMs = median(times);
  console.log(
    `   ${data.operations.length.toLocaleString('en-US')} operations, ${data.charges.length.toLocaleString('en-US')} ledger rows, ${data.idempotency.length.toLocaleString('en-US')} idempotency records, ${found} seeded violations found`,
  );
  console.log(`   ${checkMs.toFixed(1)} ms (median of 5: ${times.map((t) => t.toFixed(1)).join(', ')})`);
  console.log(`   target: < 1 s → ${met(checkMs < 1_000)}`);
  console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

try {
  await main();
} finally {
  stopAll();
  clearTimeout(watchdog);
}
