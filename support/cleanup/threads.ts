import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

// Cucumber's parallel workers are threads of the runner's process, and a signal reaches only its main
// thread: the environments, faults, processes and temp dirs each worker started are known to that worker
// alone (support/cleanup/live.ts and residue.ts keep them per thread). So the main thread's interrupt
// handler asks every worker, over a BroadcastChannel, to do its own orderly teardown, and exits once all
// have answered (or the time is up — their children still die with the process: support/cleanup/lifeline.ts).

const CHANNEL = 'faultline:interrupt';

type Message = { type: 'here'; id: number } | { type: 'stop' } | { type: 'stopped'; id: number };

/** Worker threads that announced themselves (main thread only). */
const workers = new Set<number>();
let channel: BroadcastChannel | undefined;

function open(): BroadcastChannel {
  if (channel) return channel;
  channel = new BroadcastChannel(CHANNEL);
  // Never what keeps a run (or a worker) alive.
  channel.unref();
  return channel;
}

/**
 * Main thread: listen for workers from now on. Worker thread: announce this worker and, when the main
 * thread relays an interrupt, run `teardown` and report back.
 */
export function joinInterrupts(teardown: () => Promise<void>): void {
  const ch = open();
  if (isMainThread) {
    ch.onmessage = (event) => {
      const message = (event as { data: Message }).data;
      if (message.type === 'here') workers.add(message.id);
    };
    return;
  }
  ch.onmessage = (event) => {
    const message = (event as { data: Message }).data;
    if (message.type !== 'stop') return;
    void teardown().finally(() => ch.postMessage({ type: 'stopped', id: threadId } satisfies Message));
  };
  ch.postMessage({ type: 'here', id: threadId } satisfies Message);
}

/** Main thread: asks every worker to tear down; settles once all have, or after `timeoutMs`. */
export function interruptWorkers(timeoutMs: number): Promise<void> {
  if (!isMainThread || workers.size === 0) return Promise.resolve();
  const ch = open();
  const waiting = new Set(workers);
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(
        `faultline: ${waiting.size} parallel worker(s) still tearing down after ${timeoutMs / 1000} s: exiting; the next run's start sweep removes what they left\n`,
      );
      resolve();
    }, timeoutMs);
    ch.onmessage = (event) => {
      const message = (event as { data: Message }).data;
      if (message.type === 'here') workers.add(message.id);
      if (message.type !== 'stopped') return;
      waiting.delete(message.id);
      if (waiting.size === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    ch.postMessage({ type: 'stop' } satisfies Message);
  });
}
