import net from 'node:net';

// The benchmark's target, run as its own process on its own core (bench/load.ts pins it), so it shares an
// event loop with no load tool. It is a minimal HTTP/1.1 keep-alive responder over node:net rather than
// node:http: the bench measures load tools, and node:http's own per-request cost (~3× this one's) would
// make the target, not the tool, the bottleneck of the throughput comparison.
//   GET /trivial  answers at once
//   GET /delay    answers after a fixed, known latency (BENCH_DELAY_MS, default 20), to the microsecond
// Requests are GETs without bodies: a request ends at its blank line. It exits when its parent closes its
// stdin or after a hard bound, so a crashed bench leaves nothing behind.
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 20);
const LIFETIME_MS = Number(process.env.BENCH_LIFETIME_MS ?? 150_000);

const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\nconnection: keep-alive\r\n\r\nok\n',
);
const NOT_FOUND = Buffer.from(
  'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n',
);

/**
 * Runs `fn` DELAY_MS after now, to within a few microseconds. setTimeout alone fires on a millisecond tick,
 * so a 20 ms wait would really be 20–21 ms depending on where in the millisecond the request arrived — and
 * a client that turns requests around faster or slower would see a different "fixed" latency. The timer
 * gets close, then the loop polls the monotonic clock for the rest (this process has its core to itself).
 */
function after(ms: number, fn: () => void): void {
  const due = performance.now() + ms;
  const poll = () => (performance.now() >= due ? fn() : setImmediate(poll));
  setTimeout(poll, Math.max(0, ms - 2));
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const line = pending.slice(0, pending.indexOf('\r\n'));
      pending = pending.slice(end + 4);
      const path = line.split(' ')[1] ?? '';
      if (path === '/delay') after(DELAY_MS, () => socket.writable && socket.write(RESPONSE));
      else socket.write(path === '/trivial' || path === '/' ? RESPONSE : NOT_FOUND);
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), LIFETIME_MS).unref();
