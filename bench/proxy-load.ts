// Load generators and the proxies under comparison for bench/proxy.ts: an echo server and a ping-pong
// client (latency), a flat-out source and a zero-copy sink (throughput), and the three proxies — faultline's
// (as the `faultline proxy` child process the local backend runs), haproxy and socat — each with the
// minimal configuration that forwards one TCP port, on 127.0.0.1 only.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Upstream {
  port: number;
  accepted: number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 that tracks its sockets so close() leaves nothing behind. */
async function upstreamServer(onSocket: (socket: Socket) => void): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const result = { port: 0, accepted: 0, close: async () => {} };
  const server: Server = createServer({ noDelay: true }, (socket) => {
    result.accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  result.port = (server.address() as AddressInfo).port;
  result.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return result;
}

export const echoServer = () => upstreamServer((socket) => socket.pipe(socket));

/** Writes one preallocated buffer over and over, as fast as the socket takes it, until closed. */
export const sourceServer = () =>
  upstreamServer((socket) => {
    const block = Buffer.alloc(1024 * 1024, 0x5a);
    const write = () => {
      while (!socket.destroyed) if (!socket.write(block)) return void socket.once('drain', write);
    };
    write();
  });

/** Counts every byte it receives (the far end of an upload). */
export async function sinkServer(): Promise<Upstream & { received: () => number }> {
  let received = 0;
  const server = await upstreamServer((socket) => {
    socket.on('data', (data: Buffer) => {
      received += data.length;
    });
  });
  return Object.assign(server, { received: () => received });
}

/** MB/s of an upload: a client writing 1 MiB blocks flat out through `port` to the sink. */
export async function measureUpload(
  port: number,
  sink: { received: () => number },
  warmupMs: number,
  windowMs: number,
): Promise<number> {
  const socket = await connectTo(port);
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  let writing = true;
  const write = () => {
    while (writing && !socket.destroyed) if (!socket.write(block)) return void socket.once('drain', write);
  };
  write();
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const before = sink.received();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const mbPerSecond = (sink.received() - before) / 1e6 / ((performance.now() - started) / 1000);
  writing = false;
  socket.destroy();
  return mbPerSecond;
}

/** Idle server: accepts and holds connections. */
export const idleServer = () => upstreamServer(() => {});

export async function connectTo(
  port: number,
  options: { onread?: { buffer: Buffer; callback: (n: number) => boolean } } = {},
): Promise<Socket> {
  const socket = connect({ port, host: HOST, noDelay: true, ...options });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Round-trip times (µs) of `count` echoes of a `size`-byte message, one at a time. */
export async function pingPong(port: number, count: number, size = 64): Promise<number[]> {
  const socket = await connectTo(port);
  const message = Buffer.alloc(size, 0x61);
  const times: number[] = [];
  await new Promise<void>((resolve) => {
    let pending = 0;
    let started = 0;
    const send = () => {
      pending = size;
      started = performance.now();
      socket.write(message);
    };
    socket.on('data', (data: Buffer) => {
      pending -= data.length;
      if (pending > 0) return;
      times.push((performance.now() - started) * 1000);
      if (times.length === count) resolve();
      else send();
    });
    send();
  });
  socket.destroy();
  return times;
}

/** MB/s received from a source through `port`, counted with a reused buffer (no per-read allocation). */
export async function measureThroughput(port: number, warmupMs: number, windowMs: number): Promise<number> {
  let received = 0;
  const socket = await connectTo(port, {
    onread: {
      buffer: Buffer.allocUnsafe(256 * 1024),
      callback: (n) => {
        received += n;
        return true;
      },
    },
  });
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const before = received;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const mbPerSecond = (received - before) / 1e6 / ((performance.now() - started) / 1000);
  socket.destroy();
  return mbPerSecond;
}

// ---- the proxies ------------------------------------------------------------------------------------------

export interface ProxyUnderTest {
  name: string;
  pid: number;
  /** Forward a fresh listen port to `upstreamPort`; returns the listen port. */
  forward(upstreamPort: number): Promise<number>;
  /** Stop forwarding the ports made by forward() (kills per-route processes). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = once(child, 'exit').then(() => {});
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  return exited.finally(() => clearTimeout(timer));
}

export async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
}

export interface FaultlineProxy extends ProxyUnderTest {
  url: string;
  /** Name of the proxy the last forward() created. */
  lastRoute: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export async function startFaultline(): Promise<FaultlineProxy> {
  const bin = fileURLToPath(new URL('../bin/faultline.ts', import.meta.url));
  const child = spawn(process.execPath, [bin, 'proxy', '--host', HOST, '--port', '0', '--seed', '1'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, FAULTLINE_LIFELINE: '1' },
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => {
      output += data;
      const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`faultline proxy exited (${code}): ${output}`)));
  });
  const url = `http://${HOST}:${port}`;
  // A keep-alive node:http client: the effect benchmark times API calls, so the client should add little.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const api = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const call = request(
        {
          host: HOST,
          port,
          method,
          path,
          agent,
          headers: payload ? { 'content-length': Buffer.byteLength(payload) } : {},
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (part: string) => {
            text += part;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: text ? (JSON.parse(text) as unknown) : undefined,
            }),
          );
        },
      );
      call.on('error', reject);
      call.end(payload);
    });
  let routes = 0;
  const proxy: FaultlineProxy = {
    name: 'faultline',
    pid: child.pid!,
    url,
    api,
    lastRoute: '',
    async forward(upstreamPort) {
      proxy.lastRoute = `route${routes++}`;
      const { status, body } = await api('POST', '/proxies', {
        name: proxy.lastRoute,
        listen: `${HOST}:0`,
        upstream: `${HOST}:${upstreamPort}`,
      });
      if (status !== 201) throw new Error(`faultline create proxy: ${status} ${JSON.stringify(body)}`);
      const listen = (body as { listen: string }).listen;
      return Number(listen.slice(listen.lastIndexOf(':') + 1));
    },
    async reset() {
      const { body } = await api('GET', '/proxies');
      for (const name of Object.keys(body as object)) await api('DELETE', `/proxies/${name}`);
    },
    stop: async () => {
      agent.destroy();
      await stopChild(child);
    },
  };
  return proxy;
}

/** haproxy in the foreground, one thread (like the single-threaded Node proxy), TCP mode. */
export async function startHaproxy(): Promise<ProxyUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-bench-haproxy-'));
  let child: ChildProcess | undefined;
  const ports: [number, number][] = [];
  const launch = async () => {
    if (child) await stopChild(child);
    const listens = ports
      .map(
        ([listen, upstream], i) =>
          `listen route${i}\n  bind ${HOST}:${listen}\n  server up ${HOST}:${upstream}\n`,
      )
      .join('');
    const config = `global\n  nbthread 1\n  maxconn 4000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n${listens}`;
    await writeFile(join(dir, 'haproxy.cfg'), config);
    child = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Wait until every listen port accepts.
    for (const [listen] of ports) {
      for (let i = 0; ; i++) {
        try {
          (await connectTo(listen)).destroy();
          break;
        } catch (error) {
          if (i > 200) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
  };
  const proxy: ProxyUnderTest = {
    name: 'haproxy',
    get pid() {
      return child?.pid ?? 0;
    },
    async forward(upstreamPort) {
      const listen = await freePort();
      ports.push([listen, upstreamPort]);
      await launch();
      return listen;
    },
    async reset() {
      ports.length = 0;
      if (child) await stopChild(child);
      child = undefined;
    },
    async stop() {
      await proxy.reset();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return proxy;
}

/** socat forking one child per connection, TCP_NODELAY on both sides, its default buffer size. */
export async function startSocat(): Promise<ProxyUnderTest> {
  const children: ChildProcess[] = [];
  return {
    name: 'socat',
    get pid() {
      return children[0]?.pid ?? 0;
    },
    async forward(upstreamPort) {
      const listen = await freePort();
      const child = spawn(
        'socat',
        [`TCP-LISTEN:${listen},bind=${HOST},reuseaddr,fork,nodelay`, `TCP:${HOST}:${upstreamPort},nodelay`],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      children.push(child);
      for (let i = 0; ; i++) {
        try {
          (await connectTo(listen)).destroy();
          break;
        } catch (error) {
          if (i > 200) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      return listen;
    },
    async reset() {
      // The forked per-connection children share the process group of their listener; kill the listeners
      // (their children exit with their connections).
      await Promise.all(children.splice(0).map(stopChild));
    },
    async stop() {
      await Promise.all(children.splice(0).map(stopChild));
    },
  };
}
