// The example system's front door: an HTTP api in front of the backend, with the resilience mechanisms the
// example features judge. Node's built-ins only. It listens on PORT and reaches the backend at
// BACKEND_ADDRESS (host:port): in a faultline run that address is a link of the fault proxy, so a scenario
// can cut it, slow it, or kill the backend behind it.
//
// - every call to the backend has a deadline (ATTEMPT_TIMEOUT_MS) and is retried (ATTEMPTS in all) with a
//   short backoff: a slow or lost reply costs bounded time, never a hung request;
// - GET /catalog falls back to the last catalog it read when the backend cannot answer (a stale answer
//   beats none), so reads keep succeeding through a partition;
// - POST /orders answers 503 when every attempt failed: a write cannot be served from a cache.
import { createServer, request as send } from 'node:http';

const [backendHost, backendPort] = (process.env.BACKEND_ADDRESS ?? '').split(':');
if (!backendHost || !backendPort) {
  console.error(`BACKEND_ADDRESS must be host:port; got '${process.env.BACKEND_ADDRESS ?? ''}'`);
  process.exit(2);
}
const ATTEMPT_TIMEOUT_MS = Number(process.env.ATTEMPT_TIMEOUT_MS ?? 250);
const ATTEMPTS = Number(process.env.ATTEMPTS ?? 2);
const BACKOFF_MS = 50;

/** One request to the backend, given up after the attempt timeout. */
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const request = send(
      {
        host: backendHost,
        port: Number(backendPort),
        method,
        path,
        headers: body ? { 'content-type': 'application/json' } : {},
        timeout: ATTEMPT_TIMEOUT_MS,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (response.statusCode >= 500) reject(new Error(`backend answered ${response.statusCode}`));
          else resolve({ status: response.statusCode, text });
        });
        response.on('error', reject);
      },
    );
    // The socket's idle timeout also covers a reply that stops half-way. Destroying the request closes
    // its connection, so a late reply cannot land on the next request.
    request.on('timeout', () => request.destroy(new Error(`no reply within ${ATTEMPT_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The call, retried: safe for reads, and for orders because the backend stores each id once. */
async function withRetry(method, path, body) {
  let last;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    try {
      return await call(method, path, body);
    } catch (error) {
      last = error;
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, BACKOFF_MS * attempt));
    }
  }
  throw last;
}

let lastCatalog;

function answer(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function route(request, body, response) {
  if (request.method === 'GET' && request.url === '/health') return answer(response, 200, { ok: true });
  if (request.method === 'GET' && request.url === '/catalog') {
    try {
      const { status, text } = await withRetry('GET', '/catalog');
      if (status === 200) lastCatalog = text;
      return answer(response, status, text);
    } catch (error) {
      if (lastCatalog !== undefined) return answer(response, 200, lastCatalog, { 'x-stale': 'true' });
      return answer(response, 503, { error: `backend unavailable: ${error.message}` });
    }
  }
  if (request.method === 'POST' && request.url === '/orders') {
    try {
      const { status, text } = await withRetry('POST', '/orders', body);
      return answer(response, status, text);
    } catch (error) {
      return answer(response, 503, { error: `backend unavailable: ${error.message}` });
    }
  }
  answer(response, 404, { error: `no route ${request.method} ${request.url}` });
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    route(request, Buffer.concat(chunks), response).catch((error) =>
      answer(response, 500, { error: error.message }),
    );
  });
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`api listening on ${process.env.PORT}, backend at ${process.env.BACKEND_ADDRESS}`);
});
