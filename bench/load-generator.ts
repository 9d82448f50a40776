import { runLoad } from '../support/load/generator.ts';
import { latencyOf } from '../support/load/history.ts';
import { httpTarget } from '../support/load/http-target.ts';
import { percentiles } from '../support/load/percentile.ts';

// One measured run of faultline's generator in raw HTTP mode, as its own process so bench/load.ts can pin
// it to one core like the other tools. Prints one JSON line.
// Usage: load-generator.ts <url> <connections> <durationMs> [warmupMs]
const [url = '', connectionsText = '10', durationText = '3000', warmupText = '500'] = process.argv.slice(2);
const connections = Number(connectionsText);
const durationMs = Number(durationText);
const warmupMs = Number(warmupText);

async function run(ms: number) {
  const target = httpTarget({ url, connections, timeoutMs: 10_000 });
  try {
    return await runLoad(
      { shape: { loop: 'closed', clients: connections }, durationMs: ms, timeoutMs: 10_000 },
      target,
    );
  } finally {
    await target.close();
  }
}

// The JIT and the connections warm up first, as autocannon's --warmup and wrk's native code need not.
if (warmupMs > 0) await run(warmupMs);
const cpu = process.cpuUsage();
const result = await run(durationMs);
const used = process.cpuUsage(cpu);
const seconds = (result.endedAt - result.startedAt) / 1000;
const ok = result.operations.filter((op) => op.outcome === 'ok').length;
const [p50, p95] = percentiles(result.operations.map(latencyOf), [50, 95]);
process.stdout.write(
  `${JSON.stringify({
    requests: result.operations.length,
    ok,
    seconds,
    rps: result.operations.length / seconds,
    p50_ms: p50,
    p95_ms: p95,
    cpu_share: (used.user + used.system) / 1e6 / seconds,
  })}\n`,
);
