// The HTTP API, route by route as upstream Toxiproxy 2.12 serves it: same paths, methods, status codes,
// JSON shapes and error messages. Deliberate differences are listed in README.md ("Deviations").

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError, badRequest } from './api-error.ts';
import type { ProxyCollection } from './collection.ts';
import { DecodeError, type JsonValue, parseFirstValue } from './decode.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { FaultProxy } from './proxy.ts';
import { requestId } from './request-id.ts';

/** The upstream release whose API this server implements (what GET /version reports). */
export const TOXIPROXY_VERSION = '2.12.0';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

type Reply = { status: number; json?: string } | { status: number; text: string; contentType: string };
type Handler = (params: string[], body: () => Promise<JsonValue>) => Promise<Reply> | Reply;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
  /** Routes whose handler does its own locking or needs none. */
  unlocked?: boolean;
}

const json = (status: number, value: unknown): Reply => ({ status, json: JSON.stringify(value) });

/** GET /proxies: keyed by name, keys sorted (built by hand: JS objects reorder integer-like keys). */
function proxyMap(proxies: readonly FaultProxy[]): string {
  return `{${proxies.map((p) => `${JSON.stringify(p.name)}:${JSON.stringify(p)}`).join(',')}}`;
}

export type ApiHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export function createApi(
  collection: ProxyCollection,
  metrics: ProxyMetrics | undefined,
  logger: Logger,
): ApiHandler {
  const locked =
    (handler: Handler): Handler =>
    (params, body) =>
      collection.exclusive(() => handler(params, body));

  const routes: Route[] = [
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: () => ({ status: 200, json: proxyMap(collection.list()) }),
        POST: async (_p, body) => json(201, await collection.create(await body())),
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async (_p, body) => {
          // Populate answers every outcome, errors included, as compact JSON with the proxies processed.
          let outcome: Awaited<ReturnType<typeof collection.populate>>;
          try {
            outcome = await collection.populate(await body());
          } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            outcome = { proxies: [], error };
          }
          const { proxies, error } = outcome;
          // Upstream writes null for an empty list, which crashes toxiproxy-node-client: we write [].
          if (error) return json(error.status, { error: error.message, status: error.status, proxies });
          return json(201, { proxies });
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: ([name]) => json(200, collection.get(name!)),
        POST: async ([name], body) => {
          collection.get(name!);
          return json(200, await collection.update(name!, await body()));
        },
        PATCH: async ([name], body) => {
          collection.get(name!);
          return json(200, await collection.update(name!, await body()));
        },
        DELETE: ([name]) => {
          collection.remove(name!);
          return { status: 204 };
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: ([name]) => json(200, collection.get(name!).toxics()),
        POST: async ([name], body) => {
          collection.get(name!); // 404 before any body error, as upstream checks
          return json(200, collection.addToxic(name!, await body()));
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: ([name, toxic]) => json(200, collection.getToxic(name!, toxic!)),
        POST: async ([name, toxic], body) => {
          collection.getToxic(name!, toxic!);
          return json(200, collection.updateToxic(name!, toxic!, await body()));
        },
        PATCH: async ([name, toxic], body) => {
          collection.getToxic(name!, toxic!);
          return json(200, collection.updateToxic(name!, toxic!, await body()));
        },
        DELETE: ([name, toxic]) => {
          collection.removeToxic(name!, toxic!);
          return { status: 204 };
        },
      },
    },
    {
      // A faultline extension (upstream answers "404 page not found" here, which is how clients tell the two
      // apart): the proxy's live traffic figures. A synchronous read of counters, so it takes no lock.
      pattern: /^\/proxies\/([^/]+)\/traffic$/,
      unlocked: true,
      methods: { GET: ([name]) => json(200, collection.get(name!).traffic()) },
    },
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async () => {
          await collection.reset();
          return { status: 204 };
        },
      },
    },
    {
      pattern: /^\/version$/,
      unlocked: true,
      methods: {
        GET: () => ({
          status: 200,
          text: `{"version": "${TOXIPROXY_VERSION}"}\n`,
          contentType: 'application/json;charset=utf-8',
        }),
      },
    },
  ];
  for (const route of routes) {
    if (route.unlocked) continue;
    for (const [method, handler] of Object.entries(route.methods)) route.methods[method] = locked(handler);
  }
  if (metrics) {
    const render: Handler = async () => {
      const { contentType, body } = await metrics.render();
      return { status: 200, text: body, contentType };
    };
    routes.push({
      pattern: /^\/metrics$/,
      unlocked: true,
      methods: Object.fromEntries(
        ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, render]),
      ),
    });
  }

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    let route: Route | undefined;
    let params: string[] = [];
    for (const candidate of routes) {
      const match = candidate.pattern.exec(path);
      if (match === null) continue;
      try {
        params = match.slice(1).map((segment) => decodeURIComponent(segment));
      } catch {
        continue;
      }
      route = candidate;
      break;
    }
    if (route === undefined || params.some((segment) => segment.includes('/'))) {
      // Unmatched routes skip upstream's middlewares: no request id.
      return send(response, {
        status: 404,
        text: '404 page not found\n',
        contentType: 'text/plain; charset=utf-8',
      });
    }
    const handler = route.methods[request.method ?? 'GET'];
    if (handler === undefined) return send(response, { status: 405 });
    response.setHeader('X-Toxiproxy-Request-Id', requestId());
    if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      return send(response, {
        status: 403,
        text: 'User agent not allowed\n',
        contentType: 'text/plain; charset=utf-8',
      });
    }
    let reply: Reply;
    try {
      // The body is read before the handler queues for the collection lock (a slow client must not hold up
      // other calls) but decoded inside it, so a 404 still wins over a malformed body, as upstream.
      const text = await readBody(request);
      reply = await handler(params, async () => decodeBody(text));
    } catch (error) {
      if (!(error instanceof ApiError)) {
        logger.error({ err: error, method: request.method, path }, 'API handler failed');
      }
      const status = error instanceof ApiError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      // Upstream sends these with text/plain (Go's http.Error); the body is JSON, so we say so.
      reply = {
        status,
        text: `${JSON.stringify({ error: message, status })}\n`,
        contentType: 'application/json',
      };
    }
    logger.debug({ method: request.method, path, status: reply.status }, 'api request');
    send(response, reply);
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw badRequest(`bad request body: larger than ${MAX_BODY_BYTES} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

function decodeBody(text: string): JsonValue {
  try {
    return parseFirstValue(text);
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`bad request body: ${error.message}`);
    throw error;
  }
}

function send(response: ServerResponse, reply: Reply): void {
  if ('text' in reply) {
    response.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.text),
    });
    response.end(reply.text);
  } else if (reply.json !== undefined) {
    response.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(reply.json),
    });
    response.end(reply.json);
  } else {
    response.writeHead(reply.status, reply.status === 204 ? {} : { 'Content-Length': 0 });
    response.end();
  }
}
