import type { Environment } from '../../env/environment.ts';
import { proxyName, replicasOf } from '../../system/topology.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { watchTraffic } from '../network/traffic.ts';
import { probe } from '../probe.ts';
import {
  currentLsn,
  inRecovery,
  nextXid,
  primaryOf,
  queryOne,
  streamingTo,
  upstreamOf,
} from './replication.ts';
import { until } from './store.ts';

// Faults on a Postgres primary and its streaming replicas.
//
// A replica fails: SIGKILL, as a crashed database host. Proof: the process is gone and the primary no longer
// streams to it. The system's traffic: while it was down the system wrote on the primary (write transactions,
// counted by the transaction ids assigned; the WAL they made is what the replica missed) — no writes: nothing
// was at stake, an invalid experiment. Undo: the replica rejoins, resumes
// streaming and catches up — how fast is what the replica-lag verdict judges.
//
// A failover: the primary is killed (SIGKILL), a replica is promoted (pg_promote), and every link of the
// fault proxy into the primary is pointed at the promoted replica — the generic stand-in for whatever the
// system's own failover is (a virtual IP, a DNS name, a proxy such as PgBouncer or HAProxy): the services
// keep their address and find a primary behind it. Proof: the old primary is gone, the replica is out of
// recovery, the links lead to it. The system's traffic: it crossed those links after the switch, and its
// writes landed on the promoted replica (it assigned transaction ids: its WAL alone also advances by itself). Undo restores the topology: the primary is
// started again, the links lead back to it, the promoted replica is cloned afresh from it and follows it as a
// standby — what it wrote while promoted is gone with it, as after any failback that rebuilds the old side.

const REJOIN_MS = 30_000;

/** A replica's failure: SIGKILL; heals by rejoining as a standby. */
export function replicaFailure(env: Environment, replica: string, durationMs?: number): FaultSpec {
  guardService(env, replica);
  const primary = primaryOf(env, replica);
  guardService(env, primary);
  const control = env.control(replica);
  let before: { wal: bigint; xid: bigint } | undefined;
  return {
    kind: 'replica-failure',
    description: `${replica} (a streaming replica of ${primary}) killed with SIGKILL`,
    targets: [replica],
    touches: [replica, primary],
    durationMs,
    async apply() {
      if (!control.alive()) throw new Error(`cannot fail ${replica}: it is not running`);
      const streaming = await streamingTo(env, primary);
      const started = performance.now();
      await control.kill();
      if (control.alive())
        throw new Error(`the replica failure had no effect: ${replica} is still alive after SIGKILL`);
      const gone = await until(
        async () => !(await streamingTo(env, primary, true)).includes(replica),
        5_000,
        100,
      );
      if (!gone)
        throw new Error(
          `the replica failure had no effect: ${primary} still streams to ${replica} 5 s after its SIGKILL`,
        );
      before = { wal: await currentLsn(env, primary), xid: await nextXid(env, primary) };
      const now = await streamingTo(env, primary);
      return [
        `${replica} was alive, received SIGKILL and was gone ${Math.round(performance.now() - started)} ms later`,
        `${primary} streamed to ${streaming.join(', ') || 'no replica'} before, to ${now.join(', ') || 'no replica'} after`,
      ];
    },
    async felt() {
      if (before === undefined)
        return {
          ok: false,
          unknown: true,
          evidence: `${primary}'s write position was not read when ${replica} failed`,
        };
      const writes = (await nextXid(env, primary)) - before.xid;
      const wal = (await currentLsn(env, primary)) - before.wal;
      return writes > 0n
        ? {
            ok: true,
            evidence: `the system wrote on ${primary} while ${replica} was down: ${writes} write transaction(s), ${wal} bytes of WAL it missed`,
          }
        : {
            ok: false,
            evidence: `the system wrote nothing on ${primary} while ${replica} was down (0 write transactions): no write was at stake`,
          };
    },
    async undo() {
      if (!control.alive()) await control.restart();
      const back = await until(
        // Connected again: how fast it then catches up is what the replica-lag verdict judges.
        async () => (await streamingTo(env, primary, true)).includes(replica),
        REJOIN_MS,
        100,
      );
      if (!back)
        throw new Error(
          `${replica} was restarted but ${primary} does not stream to it within ${REJOIN_MS / 1000} s`,
        );
    },
  };
}

/** The primary killed and `replica` promoted in its place, the proxy's links into the primary moved to it. */
export function failover(env: Environment, primary: string, replica: string, durationMs?: number): FaultSpec {
  guardService(env, primary);
  guardService(env, replica);
  if (primaryOf(env, replica) !== primary) throw new Error(`'${replica}' is not a replica of '${primary}'`);
  const links = env.topology.links.filter((l) => l.to === primary);
  const original = upstreamOf(env, primary);
  const promotedAt = upstreamOf(env, replica);
  const client = env.toxiproxy;
  const primaryControl = env.control(primary);
  const replicaControl = env.control(replica);
  let watch: Awaited<ReturnType<typeof watchTraffic>> | undefined;
  let atPromotion: { wal: bigint; xid: bigint } | undefined;
  return {
    kind: 'failover',
    description: `${primary} killed with SIGKILL and ${replica} promoted; ${links.length} link${links.length === 1 ? '' : 's'} into ${primary} moved to ${replica}`,
    targets: [primary, replica],
    touches: [primary, replica, ...links.map((l) => l.from)],
    durationMs,
    async apply() {
      if (!primaryControl.alive()) throw new Error(`cannot fail over: ${primary} is not running`);
      if (!(await inRecovery(env, replica)))
        throw new Error(`cannot promote ${replica}: it is not a standby (already promoted?)`);
      const evidence: string[] = [];
      const t0 = performance.now();
      await primaryControl.kill();
      if (primaryControl.alive())
        throw new Error(`the failover had no effect: ${primary} is still alive after SIGKILL`);
      evidence.push(
        `${primary} was alive, received SIGKILL and was gone ${Math.round(performance.now() - t0)} ms later`,
      );
      const t1 = performance.now();
      const promoted = await queryOne<{ done: boolean }>(
        env.storeUrl(replica),
        'select pg_promote(true, 30) as done',
        [],
        35_000,
      );
      if (!promoted.done || (await inRecovery(env, replica)))
        throw new Error(`the failover had no effect: ${replica} is still in recovery after pg_promote()`);
      atPromotion = { wal: await currentLsn(env, replica), xid: await nextXid(env, replica) };
      evidence.push(
        `${replica} promoted in ${Math.round(performance.now() - t1)} ms: pg_is_in_recovery() = false, WAL at ${atPromotion.wal}`,
      );
      for (const link of links) {
        const name = proxyName(link);
        await client.setUpstream(name, promotedAt);
        const now = (await client.proxy(name)).upstream;
        if (now !== promotedAt)
          throw new Error(
            `the failover had no effect: link ${name} leads to ${now}, not to ${replica} (${promotedAt})`,
          );
        // Through the link as its service dials it: the promoted replica answers there.
        let answer = await probe('postgres', env.linkEndpoint(link.from, link.to), 1_000);
        for (let tries = 1; !answer.replied && tries < 10; tries++)
          answer = await probe('postgres', env.linkEndpoint(link.from, link.to), 1_000);
        if (!answer.replied)
          throw new Error(
            `the failover had no effect: link ${link.from} → ${link.to} leads to ${promotedAt}, which does not answer through it (${answer.detail})`,
          );
        evidence.push(
          `link ${link.from} → ${link.to} now leads to ${replica} (${promotedAt}, was ${original}): it answered through the link in ${answer.ms} ms`,
        );
      }
      // Counted from the switch on: the system's traffic after it reached the promoted replica.
      watch = await watchTraffic(
        client,
        links.map((l) => ({ from: l.from, to: l.to, proxy: proxyName(l) })),
      );
      return evidence;
    },
    async felt() {
      if (!watch || atPromotion === undefined)
        return {
          ok: false,
          unknown: true,
          evidence: 'the failover did not complete, so nothing was measured',
        };
      const traffic = await watch.felt();
      const written = (await nextXid(env, replica)) - atPromotion.xid;
      const wal = (await currentLsn(env, replica)) - atPromotion.wal;
      const writes =
        written > 0n
          ? `the system's writes landed on the promoted ${replica}: ${written} write transaction(s), ${wal} bytes of WAL`
          : `no write of the system landed on the promoted ${replica} (0 write transactions)`;
      return {
        ok: traffic.ok && written > 0n,
        unknown: traffic.unknown,
        evidence: `${traffic.evidence}; ${writes}`,
      };
    },
    async undo() {
      if (!primaryControl.alive()) await primaryControl.restart();
      for (const link of links) {
        const name = proxyName(link);
        const proxy = await client.proxy(name);
        if (proxy.upstream !== original) await client.setUpstream(name, original);
      }
      // A replica that is no longer a standby (promoted), or that is down, rejoins: cloned afresh from the primary.
      const standby = replicaControl.alive() && (await inRecovery(env, replica).catch(() => false));
      if (!standby) await replicaControl.restart();
      if (await inRecovery(env, primary))
        throw new Error(`${primary} came back as a standby, not as the primary`);
      // Every running replica follows the primary again: the rebuilt one and those that lost it at the kill
      // (one another fault holds down rejoins at that fault's undo).
      const all = replicasOf(env.topology, primary).filter((r) => r === replica || env.control(r).alive());
      const back = await until(
        async () => {
          const connected = await streamingTo(env, primary, true);
          return all.every((r) => connected.includes(r));
        },
        REJOIN_MS,
        100,
      );
      if (!back)
        throw new Error(
          `after the failover was undone, ${primary} streams to ${(await streamingTo(env, primary, true)).join(', ') || 'no replica'} of ${all.join(', ')} within ${REJOIN_MS / 1000} s`,
        );
    },
  };
}
