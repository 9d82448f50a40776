import type { Environment } from '../env/environment.ts';

/** After rollback, the fault proxy must hold no toxic and every link must be enabled; anything else is named. */
export async function verifyClean(env: Environment): Promise<string[]> {
  const problems: string[] = [];
  try {
    for (const proxy of await env.toxiproxy.proxies()) {
      if (!proxy.enabled) problems.push(`link ${proxy.name} is still disabled`);
      for (const toxic of proxy.toxics)
        problems.push(`link ${proxy.name} still has toxic ${toxic.name} (${toxic.type})`);
    }
  } catch (error) {
    problems.push(`could not read the fault proxy's state: ${(error as Error).message}`);
  }
  return problems;
}
