// A tiny service for the DNS tests: answers HTTP on PORT, and when TARGET names a host, looks it up every
// 50 ms (as a service that opens a new connection by name would) and prints each result.
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';

const server = createServer((_req, res) => res.end('ok'));
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: (server.address() as { port: number }).port }));
});
const target = process.env.TARGET;
if (target)
  setInterval(() => {
    lookup(target, { family: 4 }).then(
      (a) => console.log(`resolved ${target} ${a.address}`),
      (e: NodeJS.ErrnoException) => console.log(`failed ${target} ${e.code}`),
    );
  }, 50).unref();
// The local backend's lifeline: stdin closes when the runner dies (a container has no such stdin).
if (process.env.FAULTLINE_LIFELINE) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
