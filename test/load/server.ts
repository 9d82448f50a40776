import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// A real local HTTP target for generator tests. Routes:
//   /ok            answers at once
//   /delay?ms=N    answers after N ms (concurrently)
//   /serial?ms=N   answers after N ms of exclusive work: one request at a time, the rest queue
//   /status?code=N answers with that status
//   /hang          never answers (the client must time out)
export interface TestServer {
  url: (path: string) => string;
  /** Most requests the server was handling at the same time. */
  maxConcurrent: () => number;
  requests: () => number;
  close: () => Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  let inFlight = 0;
  let peak = 0;
  let total = 0;
  let serial: Promise<void> = Promise.resolve();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ms = Number(url.searchParams.get('ms') ?? 0);
    total += 1;
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    const end = (status = 200) => {
      inFlight -= 1;
      res.statusCode = status;
      res.end('done');
    };
    switch (url.pathname) {
      case '/ok':
        return end();
      case '/delay':
        return void sleep(ms).then(() => end());
      case '/serial':
        serial = serial.then(() => sleep(ms)).then(() => end());
        return;
      case '/status':
        return end(Number(url.searchParams.get('code')));
      case '/hang':
        return;
      default:
        return end(404);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    maxConcurrent: () => peak,
    requests: () => total,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
