import { createServer } from 'node:net';

// Some services (postgres, redis) need their port up front. Ask the kernel for a free one; the tiny race
// between closing this probe and the service binding is handled by the caller retrying on EADDRINUSE.
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a free port'));
      });
    });
  });
}
