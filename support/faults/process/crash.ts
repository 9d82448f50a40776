import type { Environment } from '../../env/environment.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';

// A crash is SIGKILL: no shutdown handler runs, in-flight work is lost mid-way, sockets are torn down by
// the kernel. The proof is the process itself: alive before, gone after. The undo brings the service back
// with the same configuration and port, so the next scenario — and the rollback check — find the topology
// whole again.
export function crash(env: Environment, target: string): FaultSpec {
  guardService(env, target);
  const control = env.control(target);
  return {
    kind: 'crash',
    description: `${target} killed with SIGKILL`,
    targets: [target],
    async apply() {
      if (!control.alive()) throw new Error(`cannot crash ${target}: it is not running`);
      const started = performance.now();
      await control.kill();
      if (control.alive()) throw new Error(`the crash had no effect: ${target} is still alive after SIGKILL`);
      return [
        `${target} was alive, received SIGKILL and was gone ${Math.round(performance.now() - started)} ms later`,
      ];
    },
    async undo() {
      if (!control.alive()) await control.restart();
    },
  };
}
