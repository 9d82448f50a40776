// Benchmark of the embedded fault proxy (issue 3), every figure beside a baseline measured in the same run:
// added latency per round trip and throughput without toxics (vs direct, haproxy, socat), throughput
// through a 100 ms latency toxic, RSS of 1,000 idle proxied connections, and how fast a toxic added to or
// removed from a live connection takes effect. Medians of several runs; 127.0.0.1 only; every process it
// starts is stopped at the end. Run: npx node bench/proxy.ts   (not part of npm test)

import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import {
  connectTo,
  echoServer,
  type FaultlineProxy,
  idleServer,
  measureThroughput,
  measureUpload,
  type ProxyUnderTest,
  pingPong,
  rssKb,
  sinkServer,
  sourceServer,
  startFaultline,
  startHaproxy,
  startSocat,
  type Upstream,
} from './proxy-load.ts';

/**
 * Latency: ROUNDS rounds of ROUND_TRIPS echoes through every variant, in alternating order, all samples of a
 * variant pooled. Short rounds matter on a shared machine: whether an idle virtual CPU has to be woken for
 * each hop (≈ 100+ µs a round trip) or another agent's work keeps it awake (≈ 20–40 µs) changes within
 * seconds, and long runs one variant after another compared one machine state with another.
 */
const ROUNDS = 24;
const ROUND_TRIPS = 500;
const THROUGHPUT_RUNS = 3;
const WARMUP_MS = 300;
const WINDOW_MS = 1500;
const IDLE_CONNECTIONS = 1000;
const EFFECT_RUNS = 10;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** 1-, 5- and 15-minute load averages. */
const loadText = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
const pad = (text: string, width: number) => text.padEnd(width);

interface Results {
  latency: Record<string, { p50: number; p99: number }>;
  throughput: Record<string, number>;
  upload: Record<string, number>;
  latencyToxicThroughput: number;
  idleRss: Record<string, number>;
  effect: { addMs: number[]; removeMs: number[]; idleCallMs: number[]; busyCallMs: number[] };
}

async function benchLatency(proxies: ProxyUnderTest[], echo: Upstream): Promise<Results['latency']> {
  const ports: Record<string, number> = { direct: echo.port };
  for (const proxy of proxies) ports[proxy.name] = await proxy.forward(echo.port);
  const names = Object.keys(ports);
  const samples: Record<string, number[]> = {};
  for (const name of names) samples[name] = [];
  for (const name of names) await pingPong(ports[name]!, 500); // warm up JIT and connections
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, order reversed every other round, so a burst of background noise hits every variant alike.
    for (const name of round % 2 ? [...names].reverse() : names)
      samples[name]!.push(...(await pingPong(ports[name]!, ROUND_TRIPS)));
  }
  const result: Results['latency'] = {};
  for (const [name, times] of Object.entries(samples))
    result[name] = { p50: percentile(times, 50), p99: percentile(times, 99) };
  return result;
}

/**
 * Download (server → client, the direction responses take) and upload (client → server), each through
 * every variant, interleaved run by run. Both directions are reported: the proxy reads the upstream socket
 * into reused memory but the accepted client socket through Node's ordinary path (see read-buffer.ts).
 */
async function benchThroughput(
  proxies: ProxyUnderTest[],
  source: Upstream,
  sink: Upstream & { received: () => number },
): Promise<Pick<Results, 'throughput' | 'upload'>> {
  const down: Record<string, number> = { direct: source.port };
  const up: Record<string, number> = { direct: sink.port };
  for (const proxy of proxies) {
    down[proxy.name] = await proxy.forward(source.port);
    up[proxy.name] = await proxy.forward(sink.port);
  }
  const downSamples: Record<string, number[]> = {};
  const upSamples: Record<string, number[]> = {};
  for (const name of Object.keys(down)) {
    downSamples[name] = [];
    upSamples[name] = [];
  }
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    for (const name of Object.keys(down)) {
      downSamples[name]!.push(await measureThroughput(down[name]!, WARMUP_MS, WINDOW_MS));
      upSamples[name]!.push(await measureUpload(up[name]!, sink, WARMUP_MS, WINDOW_MS));
    }
  }
  const throughput: Results['throughput'] = {};
  const upload: Results['upload'] = {};
  for (const name of Object.keys(down)) {
    throughput[name] = median(downSamples[name]!);
    upload[name] = median(upSamples[name]!);
  }
  return { throughput, upload };
}

async function benchLatencyToxic(faultline: FaultlineProxy, source: Upstream): Promise<number> {
  const port = await faultline.forward(source.port);
  const name = faultline.lastRoute;
  await faultline.api('POST', `/proxies/${name}/toxics`, {
    type: 'latency',
    stream: 'downstream',
    attributes: { latency: 100 },
  });
  const samples: number[] = [];
  // Warm-up covers the 100 ms the first byte is held, so the window sees the steady state.
  for (let run = 0; run < THROUGHPUT_RUNS; run++)
    samples.push(await measureThroughput(port, WARMUP_MS, WINDOW_MS));
  return median(samples);
}

/** RSS growth (MB) of the proxy process for 1,000 idle proxied connections (both sockets established). */
async function benchIdleRss(proxy: ProxyUnderTest, idle: Upstream): Promise<number> {
  const port = await proxy.forward(idle.port);
  // Warm up (code paths compiled, pools allocated) with a few connections first.
  const warm = [];
  for (let i = 0; i < 20; i++) warm.push(await connectTo(port));
  for (const client of warm) client.destroy();
  await sleep(300);
  const before = await rssKb(proxy.pid);
  const acceptedBefore = idle.accepted;
  const clients = [];
  for (let i = 0; i < IDLE_CONNECTIONS; i++) clients.push(await connectTo(port));
  while (idle.accepted - acceptedBefore < IDLE_CONNECTIONS) await sleep(10);
  await sleep(300);
  const after = await rssKb(proxy.pid);
  for (const client of clients) client.destroy();
  await sleep(200);
  return (after - before) / 1024;
}

/**
 * How long from issuing the API call until a toxic is in force on a live connection. A client sends a
 * sequence-numbered 8-byte message every millisecond; the upstream stamps each arrival.
 * - add (latency 200 ms): the first message delayed by ≥ 150 ms was sent after the toxic took effect, the one
 *   before it was not; the effect time is reported as that first delayed send − call time (an upper bound,
 *   at most one send interval late).
 * - remove (from latency 1000 ms): removal releases the held messages at once; the arrival of the last held
 *   message − call time is the effect latency.
 */
async function benchEffect(faultline: FaultlineProxy): Promise<Results['effect']> {
  const arrivals = new Map<number, number>();
  const upstream = createServer({ noDelay: true }, (socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      const now = performance.now();
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 8) {
        arrivals.set(Number(buffered.readBigUInt64BE(0)), now);
        buffered = buffered.subarray(8);
      }
    });
    socket.on('error', () => {});
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const port = await faultline.forward((upstream.address() as AddressInfo).port);
  const name = faultline.lastRoute;
  const client = await connectTo(port);
  const sentAt = new Map<number, number>();
  let seq = 0;
  const send = () => {
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(BigInt(seq));
    sentAt.set(seq++, performance.now());
    client.write(message);
  };
  const ticker = setInterval(send, 1);
  const addMs: number[] = [];
  const removeMs: number[] = [];
  // Baseline: a do-nothing API call (GET /version) back to back, and after the same 30 ms pause that precedes
  // each toxic change below (an idle virtual CPU takes a while to wake up).
  const idleCallMs: number[] = [];
  const busyCallMs: number[] = [];
  const timeCall = async () => {
    const started = performance.now();
    await faultline.api('GET', '/version');
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) await timeCall();
  for (let i = 0; i < EFFECT_RUNS; i++) busyCallMs.push(await timeCall());
  for (let i = 0; i < EFFECT_RUNS; i++) {
    await sleep(30);
    idleCallMs.push(await timeCall());
  }
  try {
    await sleep(50);
    for (let run = 0; run < EFFECT_RUNS; run++) {
      const firstSeq = seq;
      const called = performance.now();
      await faultline.api('POST', `/proxies/${name}/toxics`, {
        name: 'effect',
        type: 'latency',
        stream: 'upstream',
        attributes: { latency: 200 },
      });
      await sleep(300);
      for (let s = firstSeq; s < seq; s++) {
        const arrived = arrivals.get(s);
        if (arrived !== undefined && arrived - sentAt.get(s)! >= 150) {
          addMs.push(sentAt.get(s)! - called);
          break;
        }
      }
      await faultline.api('POST', `/proxies/${name}/toxics/effect`, { attributes: { latency: 1000 } });
      await sleep(30);
      const heldSeq = seq - 1;
      const removeCalled = performance.now();
      await faultline.api('DELETE', `/proxies/${name}/toxics/effect`);
      while (!arrivals.has(heldSeq)) await sleep(1);
      removeMs.push(arrivals.get(heldSeq)! - removeCalled);
      await sleep(30);
    }
  } finally {
    clearInterval(ticker);
    client.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
  return { addMs, removeMs, idleCallMs, busyCallMs };
}

const SECTIONS = ['latency', 'throughput', 'toxic', 'rss', 'effect'] as const;
type Section = (typeof SECTIONS)[number];

/** Sections to run: all by default, or those named on the command line (e.g. `bench/proxy.ts effect`). */
function sections(): Set<Section> {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown section ${unknown.join(', ')}: use any of ${SECTIONS.join(', ')} (default: all)`);
    process.exit(2);
  }
  return new Set((named.length > 0 ? named : SECTIONS) as Section[]);
}

async function main(): Promise<void> {
  const run = sections();
  const started = performance.now();
  const cpu = cpus();
  console.log(
    `faultline proxy benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, load ${loadText()}`,
  );
  const faultline = await startFaultline();
  const haproxy = await startHaproxy();
  const socat = await startSocat();
  const proxies: ProxyUnderTest[] = [faultline, haproxy, socat];
  const servers: Upstream[] = [];
  const results: Partial<Results> = {};
  try {
    const echo = await echoServer();
    const source = await sourceServer();
    const idle = await idleServer();
    const sink = await sinkServer();
    servers.push(echo, source, idle, sink);
    const resetAll = async () => {
      for (const proxy of proxies) await proxy.reset();
    };

    if (run.has('latency')) {
      results.latency = await benchLatency(proxies, echo);
      await resetAll();
    }
    if (run.has('throughput')) {
      Object.assign(results, await benchThroughput(proxies, source, sink));
      await resetAll();
    }
    if (run.has('toxic')) {
      results.latencyToxicThroughput = await benchLatencyToxic(faultline, source);
      await resetAll();
    }
    if (run.has('rss')) {
      // RSS is measured on a fresh faultline process: the one above has just moved gigabytes and its heap
      // would still be shrinking. (haproxy restarts on every configuration change anyway.)
      results.idleRss = {};
      const fresh = await startFaultline();
      proxies.push(fresh);
      for (const proxy of [fresh, haproxy]) {
        results.idleRss[proxy.name] = await benchIdleRss(proxy, idle);
        await proxy.reset();
      }
    }
    if (run.has('effect')) results.effect = await benchEffect(faultline);
    report(results);
  } finally {
    for (const proxy of proxies) await proxy.stop();
    for (const server of servers) await server.close();
  }
  console.log(
    `\n(bench took ${((performance.now() - started) / 1000).toFixed(0)} s; load at the end ${loadText()}: the machine is shared, figures move with it)`,
  );
}

function report(r: Partial<Results>): void {
  if (r.latency) reportLatency(r.latency);
  if (r.throughput && r.upload) reportThroughput(r.throughput, r.upload);
  if (r.latencyToxicThroughput !== undefined)
    reportLatencyToxic(r.latencyToxicThroughput, r.throughput?.faultline);
  if (r.idleRss) reportRss(r.idleRss);
  if (r.effect) reportEffect(r.effect);
}

function reportLatency(latency: Results['latency']): void {
  const direct = latency.direct!;
  console.log(
    `\nAdded latency per round trip, no toxics (64-byte echo, ${ROUNDS} interleaved rounds × ${ROUND_TRIPS} round trips, percentiles of all samples)`,
  );
  for (const [name, { p50, p99 }] of Object.entries(latency)) {
    const added =
      name === 'direct'
        ? ''
        : `   added p50 ${(p50 - direct.p50).toFixed(0)} µs, p99 ${(p99 - direct.p99).toFixed(0)} µs`;
    console.log(
      `  ${pad(name, 10)} p50 ${p50.toFixed(0).padStart(5)} µs   p99 ${p99.toFixed(0).padStart(5)} µs${added}`,
    );
  }
  const addedFaultline = latency.faultline!.p50 - direct.p50;
  const addedHaproxy = latency.haproxy!.p50 - direct.p50;
  console.log(
    `  faultline added p50 ${addedFaultline.toFixed(0)} µs; baseline: haproxy ${addedHaproxy.toFixed(0)} µs in the same run (ratio ${(addedFaultline / addedHaproxy).toFixed(2)}); before issue 17: 117 vs 104 µs at load ≈ 2`,
  );
  console.log(
    `  target: ≤ 100 µs → ${verdict(addedFaultline <= 100)}; ≤ haproxy's → ${verdict(addedFaultline <= addedHaproxy)}`,
  );
}

function reportThroughput(download: Results['throughput'], upload: Results['upload']): void {
  console.log(
    `\nThroughput, no toxics (1 MiB writes flat out, ${THROUGHPUT_RUNS} runs × ${WINDOW_MS} ms each, median; MB/s)`,
  );
  console.log(`  ${pad('', 10)} ${'download'.padStart(9)} ${'upload'.padStart(9)}`);
  for (const name of Object.keys(download)) {
    console.log(
      `  ${pad(name, 10)} ${download[name]!.toFixed(0).padStart(9)} ${upload[name]!.toFixed(0).padStart(9)}`,
    );
  }
  console.log(
    `  target: ≥ 1000 MB/s → download ${verdict(download.faultline! >= 1000)}, upload ${verdict(upload.faultline! >= 1000)}; ≥ haproxy's in the same run → download ${verdict(download.faultline! >= download.haproxy!)}, upload ${verdict(upload.faultline! >= upload.haproxy!)} (ratios ${(download.faultline! / download.haproxy!).toFixed(2)} / ${(upload.faultline! / upload.haproxy!).toFixed(2)}); before issue 17: 1541 / 1054 vs haproxy 1447 / 1032 MB/s`,
  );
}

function reportLatencyToxic(mbps: number, withoutToxics: number | undefined): void {
  console.log(`\nThroughput through a 100 ms latency toxic (downstream): ${mbps.toFixed(0)} MB/s`);
  const baseline =
    withoutToxics === undefined
      ? ''
      : `baseline: the same proxy without toxics ${withoutToxics.toFixed(0)} MB/s; `;
  console.log(`  ${baseline}target ≥ 100 MB/s → ${verdict(mbps >= 100)}`);
}

function reportRss(idleRss: Results['idleRss']): void {
  console.log(`\nRSS growth for ${IDLE_CONNECTIONS} idle proxied connections`);
  for (const [name, mb] of Object.entries(idleRss)) console.log(`  ${pad(name, 10)} ${mb.toFixed(1)} MB`);
  console.log(
    `  baseline: haproxy in the same run; before issue 17: 14.2–18.9 MB. target: ≤ 50 MB → ${verdict(idleRss.faultline! <= 50)}`,
  );
}

function reportEffect(effect: Results['effect']): void {
  const fmt = (values: number[]) =>
    `median ${median(values).toFixed(2)} ms, max ${Math.max(...values).toFixed(2)} ms (${values.length} runs)`;
  console.log('\nToxic change → effect on a live connection (from issuing the API call)');
  console.log(`  add latency    ${fmt(effect.addMs)}`);
  console.log(`  remove latency ${fmt(effect.removeMs)}`);
  console.log(`  baseline: GET /version round trip back to back ${fmt(effect.busyCallMs)}`);
  console.log(`  baseline: GET /version round trip after 30 ms idle ${fmt(effect.idleCallMs)}`);
  const all = [...effect.addMs, ...effect.removeMs];
  console.log(
    `  target: ≤ 5 ms → median ${verdict(effect.addMs.length === EFFECT_RUNS && median(all) <= 5)} (median ${median(all).toFixed(2)} ms), every run ${verdict(Math.max(...all) <= 5)} (worst ${Math.max(...all).toFixed(2)} ms)`,
  );
}

await main();
