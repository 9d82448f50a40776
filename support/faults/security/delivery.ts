import type { Environment } from '../../env/environment.ts';
import type { StoreCredentials } from '../../system/system.ts';
import { readSecret, writeSecret } from './credentials.ts';

// How the system is handed a store user's secret, the way its declaration says: a file it re-reads (the
// secret is the file's content; telling it is replacing the file), or an env var some of its services read
// at start (the secret is what their env gives it; telling it is restarting each of them with the variable
// set, as a deployment rolls its pods after a secret changed). One shape for both, so a rotation, an
// invalidation and a privilege fault read the current secret and put it back without knowing which.

export interface SecretDelivery {
  /** How the system is told, for the fault's description: "through /run/secrets/pg". */
  readonly how: string;
  /** Where the secret is: "in /run/secrets/pg", "in PGPASSWORD of api". */
  readonly where: string;
  /** Telling restarts services (which then log in at once), rather than changing what they re-read. */
  readonly restarts: boolean;
  /** The secret the system uses now. */
  current(): Promise<string>;
  /** Hands the system `secret`; what was done, for the fault's evidence. */
  tell(secret: string): Promise<string>;
  /** Hands the system back what it had before the first tell (nothing when it was never told). */
  restore(old: string): Promise<void>;
  /** What not telling means, for the evidence of a fault that leaves the system unaware. */
  readonly untold: string;
}

export function deliveryOf(env: Environment, store: string, credentials: StoreCredentials): SecretDelivery {
  if (credentials.secretEnv) return inEnv(env, store, credentials.secretEnv);
  const file = credentials.secretFile;
  let written = false;
  return {
    how: `through ${file}`,
    where: `in ${file}`,
    restarts: false,
    untold: `${file} left with the old secret (the system is not told)`,
    current: () => readSecret(file),
    async tell(secret) {
      await writeSecret(file, secret);
      written = true;
      return `the new secret written to ${file}`;
    },
    async restore(old) {
      if (written || (await readSecret(file)) !== old) await writeSecret(file, old);
    },
  };
}

function inEnv(
  env: Environment,
  store: string,
  declared: { variable: string; services: readonly string[] },
): SecretDelivery {
  const { variable, services } = declared;
  const controls = () =>
    services.map((name) => {
      const control = env.control(name);
      if (!control.env)
        throw new Error(
          `${store}'s secret reaches ${name} in its env (${variable}), but the ${env.backend} backend does not start ${name} from an env faultline composes, so it cannot restart it with another: declare secretFile instead on this backend`,
        );
      return { name, control, env: control.env.bind(control) };
    });
  /** Each service's override before the first tell: what the restore puts back exactly. */
  let before: Map<string, Record<string, string>> | undefined;
  return {
    how: `through ${variable} of ${services.join(', ')} (restarted)`,
    where: `in ${variable} of ${services.join(', ')}`,
    restarts: true,
    untold: `${services.join(', ')} left running with the old ${variable} (the system is not told)`,
    async current() {
      const values = controls().map(({ name, env: current }) => {
        const { composed, override } = current();
        return { name, value: override[variable] ?? composed[variable] };
      });
      const unset = values.filter((v) => v.value === undefined).map((v) => v.name);
      if (unset.length > 0)
        throw new Error(
          `the system declares ${store}'s secret in ${variable} of ${services.join(', ')}, but the env of ${unset.join(', ')} does not set ${variable} (set it in the service's env: { ${variable}: '…' })`,
        );
      const distinct = [...new Set(values.map((v) => v.value))];
      if (distinct.length > 1)
        throw new Error(
          `the system declares ${store}'s secret in ${variable} of ${services.join(', ')}, but their envs give ${variable} ${distinct.length} different values: one user has one secret`,
        );
      return distinct[0]!;
    },
    async tell(secret) {
      const all = controls();
      before ??= new Map(all.map(({ name, env: current }) => [name, { ...current().override }]));
      const took = await Promise.all(
        all.map(async ({ name, control, env: current }) => {
          const t0 = performance.now();
          await control.restart({ env: { ...current().override, [variable]: secret } });
          return `${name} in ${Math.round(performance.now() - t0)} ms`;
        }),
      );
      return `${services.join(', ')} restarted with ${variable} set to the new secret (${took.join(', ')})`;
    },
    async restore() {
      if (!before) return;
      const was = before;
      before = undefined;
      await Promise.all(controls().map(({ name, control }) => control.restart({ env: was.get(name) ?? {} })));
    },
  };
}
