import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { storeCredentialsSchema } from '../../system/instantiate.ts';
import type { StoreCredentials, System } from '../../system/system.ts';
import { WordError } from '../../system/words.ts';

// What a security fault needs to know of the system: the user its clients connect to a store as, and how the
// system is handed that user's secret — a file it re-reads, or an env var some of its services read at start.
// Both are the system's declaration (`credentials`), read when the fault is built (prepare() may be what
// wrote them) and checked again here with the config's own schema, so a declaration that went wrong after
// start is refused before anything is changed. How a rotation tells the system is in delivery.ts.

/** The declared credentials of `store`, or an error naming what to declare. */
export function credentialsOf(system: System, store: string, step: string): StoreCredentials {
  const all = system.credentials;
  const declared = all?.[store];
  if (!declared)
    throw new WordError(
      `${step} needs the system '${system.topology.name}' to declare the user it connects to ${store} as: add credentials: { ${store}: { user: '…', secretFile: '…' } } (or secretEnv: { variable: '…', services: ['…'] } in place of secretFile) to its defineSystem({ … }) in faultline.config${all && Object.keys(all).length > 0 ? ` (it declares credentials for: ${Object.keys(all).join(', ')})` : ''}`,
    );
  const checked = storeCredentialsSchema.safeParse(declared);
  if (!checked.success)
    throw new WordError(
      `the system '${system.topology.name}' declares credentials.${store} wrongly: ${checked.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`,
    );
  const found = checked.data;
  // Set by prepare() (not checked at start): each service must be one the system runs.
  for (const name of found.secretEnv?.services ?? []) {
    const spec = system.topology.services.find((s) => s.name === name);
    if (!spec || (spec.kind !== 'process' && spec.kind !== 'container'))
      throw new WordError(
        `the system '${system.topology.name}' declares credentials.${store}.secretEnv.services with '${name}', which is not a service of its own that could read ${found.secretEnv!.variable}; its services: ${system.topology.services
          .filter((s) => s.kind === 'process' || s.kind === 'container')
          .map((s) => s.name)
          .join(', ')}`,
      );
  }
  return found;
}

/** The secret the system reads now (trailing line break dropped, as the system's reader does). */
export async function readSecret(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`cannot read the secret file ${file}: ${(error as Error).message}`);
  }
}

/**
 * Replaces the secret file in one step (write beside it, then rename): a system that re-reads it sees the
 * old secret or the new one, never half of one. The directory, not the file, is what a container has
 * mounted, so the rename shows through.
 */
export async function writeSecret(file: string, secret: string): Promise<void> {
  const next = join(dirname(file), `.faultline-${process.pid}-${Date.now()}.tmp`);
  await writeFile(next, `${secret}\n`, { mode: 0o644 });
  await rename(next, file);
}

/** A new secret from the scenario's seeded stream: a run repeated with its seed rotates to the same one. */
export function newSecret(random: () => number): string {
  return `fl-${Array.from({ length: 20 }, () => Math.floor(random() * 36).toString(36)).join('')}`;
}
