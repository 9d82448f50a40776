import { createServer } from 'node:net';

// Some services (postgres, redis, our own with a port given up front) need their port before they bind it.
// Drawing it from the kernel's ephemeral range would race with every outgoing connection on the machine,
// whose source ports come from that same range — a reserved port could be taken by a dial before the
// service binds it. So draw below the ephemeral range (Toxiproxy's README gives the same advice) and test
// that the port is free right now.
const LOW = 15_000;
const HIGH = 32_767;

function tryBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await tryBind(port, host)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH} on ${host}`);
}
