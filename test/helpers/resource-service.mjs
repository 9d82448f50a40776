// A tiny HTTP service for the resource-fault tests: answers on PORT; with BURN=1 it works 20 ms of every
// 25 ms (so a CPU quota throttles it), with GROW=1 it allocates 1 MB every 20 ms and keeps it (so a memory
// cap OOM-kills it); calls every URL in CALLS every 50 ms (so faults on those services meet its traffic).
import { createServer } from 'node:http';

const server = createServer((_req, res) => res.end('ok'));
server.on('listening', () => console.log('{"msg":"listening"}'));
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
if (process.env.BURN === '1')
  setInterval(() => {
    const until = Date.now() + 20;
    while (Date.now() < until);
  }, 25);
const kept = [];
if (process.env.GROW === '1')
  setInterval(() => {
    const b = Buffer.allocUnsafeSlow(1 << 20);
    b.fill(1);
    kept.push(b);
  }, 20);
const calls = (process.env.CALLS ?? '').split(',').filter(Boolean);
if (calls.length > 0)
  setInterval(() => {
    for (const url of calls) fetch(url, { signal: AbortSignal.timeout(200) }).catch(() => undefined);
  }, 50);
process.on('SIGTERM', () => process.exit(0));
