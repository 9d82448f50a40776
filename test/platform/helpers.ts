// Shared set-up for the platform tests: real Redis and Postgres from the local backend's starters, the
// controller and workers either in-process (for focused tests) or as child processes (end to end), and a
// TCP link that can be cut or black-holed to break a store connection for real.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';
import {
  type ControllerOptions,
  type RunningController,
  startController,
} from '../../fixtures/platform/controller/app.ts';
import { type ControllerConfig, controllerConfig } from '../../fixtures/platform/controller/config.ts';
import type { ConversionFailed, ConversionSucceeded } from '../../fixtures/platform/shared/contract.ts';
import { createLogger } from '../../fixtures/platform/shared/logger.ts';
import { type RunningWorker, startWorker } from '../../fixtures/platform/worker/app.ts';
import { workerConfig } from '../../fixtures/platform/worker/config.ts';
import { startPostgres } from '../../support/env/local/postgres.ts';
import { LocalProcess, listeningPort } from '../../support/env/local/process.ts';
import { startRedis } from '../../support/env/local/redis.ts';
import type { RunningService } from '../../support/env/local/service.ts';
import { freePort } from '../../support/env/ports.ts';

export const PLATFORM = join(import.meta.dirname, '..', '..', 'fixtures', 'platform');
export const CONTROLLER_MAIN = join(PLATFORM, 'controller', 'main.ts');
export const WORKER_MAIN = join(PLATFORM, 'worker', 'main.ts');

export const quiet = createLogger(
  'test',
  (process.env.PLATFORM_TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
);

/** Runs `fns` in reverse order of registration: what started last stops first. */
export class Teardown {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      try {
        await step?.();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'teardown failed');
  }
}

export interface Stores {
  redis: RunningService;
  postgres: RunningService;
  /** A client of the test's own, for setting up and inspecting state. */
  redisClient: Redis;
  db: pg.Pool;
}

export async function startStores(teardown: Teardown): Promise<Stores> {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  teardown.add(() => redis.stop());
  teardown.add(() => postgres.stop());
  const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  teardown.add(() => redisClient.quit());
  const db = openPool(postgres.url, 4);
  teardown.add(() => db.end());
  return { redis, postgres, redisClient, db };
}

/**
 * A pool for the test's own queries. pool.end() resolves before its connections are fully closed, so
 * Postgres stopping right after may still reach one; without a listener that is an uncaught 'error'.
 */
export function openPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

/** Empties Redis and the platform's tables so each test starts from nothing. */
export async function resetStores(stores: Stores): Promise<void> {
  await stores.redisClient.flushall();
  const { rows } = await stores.db.query("SELECT to_regclass('public.ledger') IS NOT NULL AS migrated");
  if (rows[0]?.migrated) await stores.db.query('TRUNCATE audit_log, conversions, ledger');
}

export function testControllerConfig(stores: Stores, env: Record<string, string> = {}): ControllerConfig {
  return controllerConfig({ REDIS_URL: stores.redis.url, DATABASE_URL: stores.postgres.url, ...env });
}

export async function inProcessController(
  teardown: Teardown,
  config: ControllerConfig,
  opts: ControllerOptions = {},
): Promise<RunningController> {
  const controller = await startController(config, quiet, { shutdownGraceMs: 500, ...opts });
  teardown.add(() => controller.close());
  return controller;
}

export async function inProcessWorker(
  teardown: Teardown,
  id: string,
  controllerUrl: string,
  env: Record<string, string> = {},
): Promise<RunningWorker> {
  const config = workerConfig({
    WORKER_ID: id,
    CONTROLLER_URL: controllerUrl,
    HEARTBEAT_INTERVAL_MS: '200',
    COST_MS_PER_MB: '0',
    ...env,
  });
  const worker = await startWorker(config, quiet, { shutdownGraceMs: 500 });
  teardown.add(() => worker.close());
  return worker;
}

/** A child process running one of the platform's entrypoints; resolves once it logged `listening`. */
export async function spawnService(
  teardown: Teardown,
  name: string,
  main: string,
  env: Record<string, string>,
): Promise<{ process: LocalProcess; port: number }> {
  const child = new LocalProcess({
    name,
    command: process.execPath,
    args: [main],
    env: { LOG_LEVEL: 'info', ...env },
    ready: listeningPort,
  });
  teardown.add(() => child.stop());
  const port = await child.start();
  if (typeof port !== 'number') throw new Error(`${name} did not report its port`);
  return { process: child, port };
}

/** A controller reply as the tests read it: any of the documented bodies, fields optional. */
export type Reply = Partial<ConversionSucceeded> &
  Partial<Omit<ConversionFailed, 'attempts'>> & { status?: string; duplicate?: boolean };

export async function postJson<T = Reply>(
  url: string,
  body: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function getJson<T = Reply>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface FleetWorker {
  id: string;
  url: string;
  healthy: boolean;
  last_heartbeat_ms_ago: number;
  rejected?: string;
  breaker: 'closed' | 'open' | 'half-open' | 'disabled';
  requests_total: number;
  ok_total: number;
}

export interface FleetReply {
  workers: FleetWorker[];
  routing_order: string[];
}

/** The fleet as the controller lists it, by worker id. */
export async function fleet(controllerUrl: string): Promise<Map<string, FleetWorker>> {
  const { body } = await getJson<FleetReply>(`${controllerUrl}/v1/workers`);
  return new Map(body.workers.map((w) => [w.id, w]));
}

/** Waits until the controller sees exactly these workers healthy. */
export function fleetHealthy(controllerUrl: string, ids: string[]): Promise<string[]> {
  return eventually(`workers ${ids.join(', ')} healthy`, async () => {
    const { body } = await getJson<FleetReply>(`${controllerUrl}/v1/workers`);
    const healthy = body.workers.filter((w) => w.healthy).map((w) => w.id);
    return ids.every((id) => healthy.includes(id)) ? body.routing_order : undefined;
  });
}

export interface AuditRow {
  at: Date;
  event: string;
  worker_id: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

export async function auditRows(db: pg.Pool, where = 'TRUE', values: unknown[] = []): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT at, event, worker_id, request_id, detail FROM audit_log WHERE ${where} ORDER BY id`,
    values,
  );
  return rows;
}

/** A loopback port nothing listens on: connecting to it is refused. */
export function deadPort(): Promise<number> {
  return freePort();
}

export function document(bytes: number, fill = 0x41): { content_base64: string } {
  return { content_base64: Buffer.alloc(bytes, fill).toString('base64') };
}

/**
 * A TCP forwarder standing in for a network link: `cut()` closes every connection and refuses new ones,
 * `blackhole()` accepts connections and swallows their bytes (nothing comes back), `restore()` forwards again.
 * `latency(ms)` holds every chunk coming back from the target for `ms` (a slow service); 0 removes it.
 */
export class TcpLink {
  readonly port: number;
  private readonly server: Server;
  private readonly target: { host: string; port: number };
  private mode: 'forward' | 'blackhole' = 'forward';
  private latencyMs = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server, port: number, target: { host: string; port: number }) {
    this.server = server;
    this.port = port;
    this.target = target;
  }

  static async open(target: { host: string; port: number }): Promise<TcpLink> {
    const port = await freePort();
    const server = createServer();
    const link = new TcpLink(server, port, target);
    server.on('connection', (socket) => link.accept(socket));
    await link.listen();
    return link;
  }

  url(serviceUrl: string): string {
    const url = new URL(serviceUrl);
    url.port = String(this.port);
    return url.toString().replace(/\/$/, '');
  }

  async cut(): Promise<void> {
    this.dropAll();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  latency(ms: number): void {
    this.latencyMs = ms;
  }

  blackhole(): void {
    this.dropAll();
    this.mode = 'blackhole';
  }

  async restore(): Promise<void> {
    this.dropAll();
    this.mode = 'forward';
    if (!this.server.listening) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private async listen(): Promise<void> {
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = new (client.constructor as typeof Socket)();
    this.track(upstream);
    upstream.connect(this.target.port, this.target.host);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const delay = this.latencyMs;
      if (delay === 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), delay).unref();
    });
    upstream.on('end', () => {
      const delay = this.latencyMs;
      if (delay === 0) client.end();
      else setTimeout(() => client.end(), delay).unref();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      const delay = this.latencyMs;
      if (delay === 0) client.destroy();
      else setTimeout(() => client.destroy(), delay).unref();
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/** The JSON log lines of a child process that satisfy `match`. */
export function logRecords(
  proc: LocalProcess,
  match: (record: Record<string, unknown>) => boolean,
): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const { line } of proc.logs) {
    if (!line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (match(record)) found.push(record);
    } catch {
      // not a JSON line
    }
  }
  return found;
}

/** Waits for a log line of `proc` that satisfies `match`, and returns it. */
export function logLine(
  proc: LocalProcess,
  what: string,
  match: (record: Record<string, unknown>) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  return eventually(`${proc.spec.name} logs ${what}`, async () => logRecords(proc, match)[0], timeoutMs);
}

/** POSTs JSON over HTTPS presenting a client certificate (or none), trusting `caFile`. */
export async function postTls<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  tls: { caFile: string; certFile?: string; keyFile?: string },
): Promise<{ status: number; body: T }> {
  const read = (f?: string) => (f ? readFileSync(f, 'utf8') : undefined);
  const agent = new Agent({
    connect: { ca: read(tls.caFile), cert: read(tls.certFile), key: read(tls.keyFile) },
  });
  try {
    const response = await request(url, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: agent,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
  } finally {
    await agent.close();
  }
}
