import type { Environment } from '../../env/environment.ts';
import type { StoreCredentials } from '../../system/system.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { logged, OURS, touching, until, withRedis } from '../stores/store.ts';
import { accountOf } from './account.ts';
import { newSecret } from './credentials.ts';
import { deliveryOf } from './delivery.ts';

// Credential rotation and forced invalidation: the password of the user the system connects to a store as
// changes mid-run, and every session of that user is ended (a rotation that left old sessions working would
// prove nothing: the system would never have to log in again). Rotation then hands the system the new
// secret the way it declares (its secret file, which it re-reads, or an env var of its services, which are
// restarted with it: delivery.ts); invalidation does not tell it — the system must fail closed and say so.
// Proof: a real login with the old secret is refused, one with the new accepted. Undo: the user's exact
// state (password verifier, ACL rule) and the system's secret (file, or the services restarted with their
// env as it was) put back, and the old secret verified to log in again — the reused stores of the next
// scenario must find the user as it was.

/** How long the system has to log in with the new secret before the rotation counts as unfelt. */
const LOGIN_AGAIN_MS = 5_000;

/** What the store says when a login is refused: a password the system's client must have met. */
const REFUSED: Record<string, (user: string) => RegExp> = {
  postgres: (user) => new RegExp(`password authentication failed for user "${user}"`),
};

/** Redis keeps refused logins in its ACL LOG (reason auth): their total count for the user. */
async function refusedLogins(env: Environment, store: string, user: string): Promise<number> {
  return withRedis(env, store, async (r) => {
    const entries = (await r.call('ACL', 'LOG')) as unknown[][];
    let total = 0;
    for (const raw of entries) {
      const entry = new Map<string, unknown>();
      for (let i = 0; i + 1 < raw.length; i += 2) entry.set(String(raw[i]), raw[i + 1]);
      if (entry.get('reason') === 'auth' && entry.get('username') === user)
        total += Number(entry.get('count'));
    }
    return total;
  });
}

export interface RotationOptions {
  /** Rotation: the new secret is handed to the system (file or env + restart). Invalidation: it is not. */
  tell: boolean;
  random: () => number;
  durationMs?: number;
}

export function credentialChanged(
  env: Environment,
  store: string,
  credentials: StoreCredentials,
  options: RotationOptions,
): FaultSpec {
  guardService(env, store);
  const kind = env.topology.services.find((s) => s.name === store)?.kind ?? 'store';
  const { user } = credentials;
  const account = accountOf(env, store, user);
  const delivery = deliveryOf(env, store, credentials);
  const what = options.tell ? 'rotation' : 'invalidation';
  let before: string | undefined;
  let oldSecret: string | undefined;
  let since = 0;
  let refusalsAtApply = 0;
  return {
    kind: options.tell ? 'credential-rotation' : 'credential-invalidation',
    description: options.tell
      ? `${store} password of ${user} rotated (the system told ${delivery.how})`
      : `${store} password of ${user} changed without telling the system`,
    targets: [store],
    touches: touching(env, store),
    durationMs: options.durationMs,
    async apply() {
      oldSecret = await delivery.current();
      const before0 = await account.snapshot();
      const accepted = await account.login(oldSecret);
      if (accepted !== undefined)
        throw new Error(
          `the ${what} of ${store}'s user ${user} cannot start: the secret ${delivery.where} is not accepted before the fault (${accepted})`,
        );
      before = before0;
      const secret = newSecret(options.random);
      await account.setPassword(secret);
      // From here only the new secret logs in: any session opened since is the system using it (a service
      // restarted with it logs in while it starts, before the restart returns).
      since = Date.now();
      let told = delivery.untold;
      let ended: number;
      if (options.tell && delivery.restarts) {
        // The restarted services log in as they start: their new sessions must not be ended after.
        ended = await account.disconnect();
        told = await delivery.tell(secret);
      } else {
        if (options.tell) told = await delivery.tell(secret);
        ended = await account.disconnect();
      }
      const oldRefused = await account.login(oldSecret);
      const newAccepted = await account.login(secret);
      if (oldRefused === undefined)
        throw new Error(`the ${what} of ${store}'s user ${user} had no effect: the old secret still logs in`);
      if (newAccepted !== undefined)
        throw new Error(
          `the ${what} of ${store}'s user ${user} went wrong: the new secret is refused (${newAccepted})`,
        );
      refusalsAtApply = kind === 'redis' ? await refusedLogins(env, store, user) : 0;
      return [
        `${store}: the password of ${user} changed; ${ended} open session(s) of ${user} ended; ${told}`,
        `a login as ${user} with the old secret is refused: ${oldRefused}; with the new one accepted`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      if (options.tell) {
        // Only the new secret logs in now: any session of the user opened since is the system using it.
        // An instant fault is asked at once: the system gets a moment to log in again.
        // Postgres also logs every login (log_connections): a system whose sessions are short is seen by its
        // logins, which a look at the live sessions can miss.
        let sessions = 0;
        let logins = 0;
        await until(
          async () => {
            logins = kind === 'postgres' ? loginsLogged(env, store, user, since) : 0;
            sessions = logins > 0 ? 0 : await account.sessionsSince(since);
            return sessions > 0 || logins > 0;
          },
          LOGIN_AGAIN_MS,
          100,
        );
        return sessions > 0 || logins > 0
          ? {
              ok: true,
              evidence: `the system logged in to ${store} as ${user} with the new secret: ${logins > 0 ? `${logins} login(s) in the server's log` : `${sessions} session(s) opened`} since the rotation`,
            }
          : {
              ok: false,
              evidence: `no session of ${user} was opened on ${store} since the rotation: the system never logged in with the new secret`,
            };
      }
      let refused: number;
      if (kind === 'redis') refused = (await refusedLogins(env, store, user)) - refusalsAtApply;
      else {
        // The server's log trails a little (a container's log stream); faultline's own refused login is one.
        const pattern = REFUSED.postgres!(user);
        await until(async () => logged(env, store, since, pattern).length > 1, 1_000);
        refused = logged(env, store, since, pattern).length - 1;
      }
      return refused > 0
        ? {
            ok: true,
            evidence: `the system's logins with the old secret were refused: ${refused} refused login(s) of ${user} on ${store} while the invalidation held`,
          }
        : {
            ok: false,
            evidence: `no login of ${user} was refused on ${store} while the invalidation held: the system never tried the old secret`,
          };
    },
    async undo() {
      if (before === undefined || oldSecret === undefined) return;
      await account.restore(before);
      await delivery.restore(oldSecret);
      const back = await account.login(oldSecret);
      if (back !== undefined)
        throw new Error(`${store}: after the undo the secret of ${user} still does not log in: ${back}`);
    },
  };
}

/**
 * The user's logins Postgres logged (`connection authorized: user=…`) at or after `since` by the server's own
 * clock (the line's `%m` prefix), faultline's own logins left out. The server's time, not when the line was
 * read: a login with the old secret just before the change may be read after it.
 */
function loginsLogged(env: Environment, store: string, user: string, since: number): number {
  const authorized = new RegExp(`connection authorized: user=${user} `);
  return env.logs(store).filter((l) => {
    if (!authorized.test(l.line) || l.line.includes(`application_name=${OURS}`)) return false;
    const stamp = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\S+)/.exec(l.line);
    // A zone other than UTC/GMT is not parsed here: then the time the line was read stands in.
    const utc = stamp && (stamp[2] === 'UTC' || stamp[2] === 'GMT');
    const at = utc ? Date.parse(`${stamp[1]!.replace(' ', 'T')}Z`) : Number.NaN;
    return (Number.isNaN(at) ? l.at : at) >= since;
  }).length;
}
