import { createServer } from 'node:net';

// Some services (postgres, redis, our own with a port given up front) need their port before they bind it.
// Drawing it from the kernel's ephemeral range would race with every outgoing connection on the machine,
// whose source ports come from that same range — a reserved port could be taken by a dial before the
// service binds it. So draw below the ephemeral range (Toxiproxy's README gives the same advice) and test
// that the port is free right now.
const LOW = 15_000;
const HIGH = 32_767;

// Cucumber's parallel workers are threads of one process: a port one of them has drawn and probed free
// could be drawn and probed by another before either service binds it. Each worker therefore draws from a
// slice of the range of its own (CUCUMBER_WORKER_ID of CUCUMBER_TOTAL_WORKERS, set by cucumber in each
// worker); a run without workers has the whole range.
export function portRange(env: Record<string, string | undefined> = process.env): [number, number] {
  const total = Number(env.CUCUMBER_TOTAL_WORKERS);
  const id = Number(env.CUCUMBER_WORKER_ID);
  if (env.CUCUMBER_PARALLEL !== 'true' || !(total > 1) || !(id >= 0 && id < total)) return [LOW, HIGH];
  const span = Math.floor((HIGH - LOW) / total);
  return [LOW + id * span, LOW + (id + 1) * span];
}

function tryBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [low, high] = portRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await tryBind(port, host)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high} on ${host}`);
}
