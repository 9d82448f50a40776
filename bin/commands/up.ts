// `faultline up`: a game day. Brings the system up as a scenario's steady-state step would, prints where
// every service and link is, and keeps it until `faultline down`, Ctrl-C or SIGTERM, while `faultline fault`
// and `faultline undo` drive faults into it by hand with the same proof, guard and ledger as a run. Taking
// it down is a scenario's rollback: every fault undone, the environment verified clean, everything stopped.

import { flagsOr, readFlags } from './flags.ts';

const help = `usage: faultline up [--system S] [--backend B] [--config FILE] [--given STEP] [--state FILE]

  Brings the system of faultline.config up and keeps it until \`faultline down\`, Ctrl-C or SIGTERM.
  Then, from another terminal in the same directory:
    npx faultline fault "<fault step>"     e.g. "the link from api to redis is slowed by 300ms"
    npx faultline undo <id> | "<fault step>" | --all
    npx faultline status [--steady-state]
    npx faultline down

  --system   the system of the config (default: as a run selects it)
  --backend  local, containers, or another backend this faultline has (default: as a run selects it;
             FAULTLINE_BACKEND)
  --config   the config file (default: faultline.config.ts here; FAULTLINE_CONFIG)
  --given    the steady-state step that brings it up (default: "the system is running"),
             e.g. --given "the system is running with 5 workers"
  --profile  the cucumber.js profile whose step definitions to load
  --state    where the game day's state file goes (default: one per directory in the temp dir;
             FAULTLINE_GAMEDAY_STATE)
  exit code  0 after a clean \`down\`, 1 when it was not up or left something behind, 2 on usage errors,
             130 / 143 after Ctrl-C / SIGTERM (rolled back and stopped as always)
`;

const OPTIONS = {
  system: { type: 'string' },
  backend: { type: 'string' },
  config: { type: 'string' },
  given: { type: 'string' },
  profile: { type: 'string' },
  state: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command = {
  async run(argv: string[]): Promise<number> {
    const flags = flagsOr('up', help, () =>
      readFlags(argv, OPTIONS, '--system, --backend, --config, --given, --profile, --state, --help'),
    );
    if (typeof flags === 'number') return flags;
    const { statePath, readState, NoGameDay, writeState, removeOwnState } = await import(
      '../../support/gameday/state.ts'
    );
    const path = statePath(flags.state);
    try {
      const running = readState(path);
      process.stderr.write(
        `faultline up: a game day is already up here (pid ${running.pid}, system ${running.system}, state ${path}): \`npx faultline down\` first, or give this one its own --state\n`,
      );
      return 1;
    } catch (error) {
      if (!(error instanceof NoGameDay)) throw error;
    }
    // The same variables a run reads, so the backend and the config are chosen exactly as in a run; the
    // backend is checked against those the backends module knows, before anything starts.
    if (flags.backend) {
      process.env.FAULTLINE_BACKEND = flags.backend;
      const { selectBackend } = await import('../../support/env/backends.ts');
      try {
        selectBackend();
      } catch (error) {
        process.stderr.write(
          `faultline up: --backend ${flags.backend}: ${(error as Error).message}\n\n${help}`,
        );
        return 2;
      }
    }
    if (flags.config) process.env.FAULTLINE_CONFIG = flags.config;

    const { sweepDeadRuns, claimOwnership } = await import('../../support/cleanup/leftovers.ts');
    claimOwnership();
    await sweepDeadRuns();
    const { GameDay } = await import('../../support/gameday/session.ts');
    const { serveControl } = await import('../../support/gameday/control.ts');
    const { makeTempDir } = await import('../../support/cleanup/tmp.ts');
    const { addressLines, downLines, faultLines } = await import('../../support/gameday/print.ts');
    const { processStartTime } = await import('../../support/env/containers/runtime.ts');

    const began = performance.now();
    let gameDay: Awaited<ReturnType<typeof GameDay.start>>;
    try {
      gameDay = await GameDay.start({
        cwd: process.cwd(),
        profile: flags.profile,
        system: flags.system,
        given: flags.given ?? 'the system is running',
      });
    } catch (error) {
      process.stderr.write(`faultline up: the system did not come up: ${(error as Error).message}\n`);
      return 1;
    }
    const upMs = performance.now() - began;
    const dir = await makeTempDir('gameday');
    const socket = `${dir.path}/control.sock`;
    const say = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
    let finish: (code: number) => void = () => {};
    const stopped = new Promise<number>((resolve) => {
      finish = resolve;
    });
    const server = await serveControl(gameDay, socket, {
      onFault: (faults) => say(faults.flatMap(faultLines)),
      onUndo: (faults) => say(faults.map((f) => `#${f.id} ${f.description}: ${f.state}`)),
      onDown: (report) => {
        say(['faultline up: taken down by `faultline down`', ...downLines(report)]);
        finish(report.problems.length > 0 ? 1 : 0);
      },
    });
    const addresses = gameDay.addresses();
    writeState(path, {
      pid: process.pid,
      startTime: processStartTime(process.pid) ?? '',
      socket,
      cwd: process.cwd(),
      startedAt: new Date().toISOString(),
      ...addresses,
    });
    // However this process ends, its state file goes with it.
    process.on('exit', () => removeOwnState(path));
    // A closed terminal ends the game day as SIGTERM does (Node would otherwise exit at once, cleaning nothing).
    process.on('SIGHUP', () => process.kill(process.pid, 'SIGTERM'));
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () =>
        process.stderr.write(`faultline up: ${signal}: rolling the faults back and stopping everything\n`),
      );
    say([
      `faultline up: system ${addresses.system} on the ${addresses.backend} backend, up and answering in ${(gameDay.timings.upMs / 1000).toFixed(2)} s (${(upMs / 1000).toFixed(2)} s with loading the step definitions; seed ${gameDay.world.seed})`,
      ...addressLines(addresses),
      `state: ${path}`,
      'drive it: npx faultline fault "<fault step>" · npx faultline undo <id>|--all · npx faultline status · npx faultline down (or Ctrl-C)',
      'faultline up: ready',
    ]);
    const code = await stopped;
    server.close();
    removeOwnState(path);
    await dir.remove();
    return code;
  },
};
