// A tiny HTTP service for the process-fault tests: answers on PORT; calls every URL in CALLS (comma-
// separated, through the fault proxy's links) every 50 ms, so faults on those services meet its traffic;
// exits 0 on SIGTERM unless IGNORE_TERM=1 (a service that needs SIGKILL to go).
import { createServer } from 'node:http';

const server = createServer((_req, res) => res.end('ok'));
server.on('listening', () => console.log('{"msg":"listening"}'));
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
const calls = (process.env.CALLS ?? '').split(',').filter(Boolean);
if (calls.length > 0)
  setInterval(() => {
    for (const url of calls) fetch(url, { signal: AbortSignal.timeout(200) }).catch(() => undefined);
  }, 50);
process.on('SIGTERM', () => {
  if (process.env.IGNORE_TERM !== '1') process.exit(0);
});
