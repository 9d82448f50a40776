import { threadId } from 'node:worker_threads';
import { LABEL, RUN_ID, runLabels, runtime } from './runtime.ts';

// One Docker network per runner thread, reused by every environment it brings up in turn: creating one
// per scenario costs round trips and gains nothing. Service names are network aliases and must be unique
// within a network, so an environment brought up while another is still up gets a private network.

export interface RunNetwork {
  name: string;
  /** The thread's shared network (where reusable infrastructure lives). */
  shared: boolean;
  release(): Promise<void>;
}

let shared: Promise<string> | undefined;
let sharedInUse = false;
let counter = 0;

async function create(name: string): Promise<string> {
  const client = await runtime();
  await client.container.dockerode.createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { ...runLabels(), [LABEL.env]: name },
  });
  return name;
}

async function remove(name: string): Promise<void> {
  const client = await runtime();
  await client.container.dockerode
    .getNetwork(name)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

/** A network for one environment: the thread's shared one when it is free, else a private one. */
export async function acquireNetwork(): Promise<RunNetwork> {
  if (!sharedInUse) {
    sharedInUse = true;
    try {
      shared ??= create(`faultline-${RUN_ID}-${threadId}`);
      const name = await shared;
      return {
        name,
        shared: true,
        async release() {
          sharedInUse = false;
        },
      };
    } catch (error) {
      shared = undefined;
      sharedInUse = false;
      throw error;
    }
  }
  counter += 1;
  const name = await create(`faultline-${RUN_ID}-${threadId}-${counter}`);
  return { name, shared: false, release: () => remove(name) };
}

/** Removes the shared network (when no environment uses it); the watchdog does the same at exit. */
export async function releaseSharedNetwork(): Promise<void> {
  if (!shared || sharedInUse) return;
  const name = await shared.catch(() => undefined);
  shared = undefined;
  if (name) await remove(name);
}
