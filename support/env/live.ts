import type { Environment } from './environment.ts';

// Environments that are up right now in this process. A signal handler tears them all down, because an
// interrupted run never reaches the After hooks that would normally do it.
const environments = new Set<Environment>();

export const live = {
  async track(starting: Promise<Environment>): Promise<Environment> {
    const env = await starting;
    environments.add(env);
    return env;
  },
  async release(env: Environment): Promise<void> {
    environments.delete(env);
    await env.down();
  },
  async releaseAll(): Promise<void> {
    const all = [...environments];
    environments.clear();
    await Promise.allSettled(all.map((env) => env.down()));
  },
};
