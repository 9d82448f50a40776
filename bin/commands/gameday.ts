// The commands that drive a running game day (`faultline up`): `fault`, `undo`, `status` and `down`. Each
// finds the `up` process through the state file of this directory and asks it over its control socket; the
// World, the environment and the fault ledger live there, never here.

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const helps = {
  fault: `usage: faultline fault "<fault step>" [--state FILE]

  Applies a fault step of the features' vocabulary to the running game day (\`faultline up\`), with the same
  words, guard, proof of effect and ledger as in a scenario, e.g.
    npx faultline fault "the link from api to redis is slowed by 300ms"
    npx faultline fault "redis is unreachable for 10 seconds"
    npx faultline fault "2 of the workers are killed with SIGKILL"
  Prints each fault's id (what \`faultline undo\` takes) and the evidence that proved it.
  exit code  0 applied and proven, 1 refused or failed (nothing left applied), 2 on usage errors
`,
  undo: `usage: faultline undo <id> | "<fault step>" | --all [--state FILE]

  Undoes one fault of the running game day by its id (as \`faultline fault\` printed it), the faults a step
  text applied that are still in place (none: nothing to do — how an exported Chaos Toolkit experiment rolls
  back), or every fault still in place, newest first; prints each one's traffic proof (whether the system's
  traffic met it).
  exit code  0 undone, 1 unknown id or an undo that failed, 2 on usage errors
`,
  status: `usage: faultline status [--steady-state] [--state FILE]

  The running game day: where every service and link is, and its faults so far.
  --steady-state  also probe every service through every link into it (exit 1 when one does not answer)
`,
  down: `usage: faultline down [--state FILE] [--timeout SECONDS]

  Takes the running game day down: every fault undone, the environment verified clean, everything
  stopped; waits until its \`faultline up\` process has exited (default at most 120 s, then SIGTERM).
  exit code  0 clean, 1 when it left something behind or was not up, 2 on usage errors
`,
} as const;

type Name = keyof typeof helps;

function parse(name: Name, argv: string[]) {
  const options = {
    state: { type: 'string' },
    all: { type: 'boolean' },
    'steady-state': { type: 'boolean' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const accepted: Record<Name, string[]> = {
    fault: ['state', 'help'],
    undo: ['state', 'all', 'help'],
    status: ['state', 'steady-state', 'help'],
    down: ['state', 'timeout', 'help'],
  };
  const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  for (const key of Object.keys(parsed.values))
    if (!accepted[name].includes(key))
      throw new Error(
        `faultline ${name} takes no --${key}; accepted: ${accepted[name].map((k) => `--${k}`).join(', ')}`,
      );
  return parsed;
}

async function client() {
  const state = await import('../../support/gameday/state.ts');
  const control = await import('../../support/gameday/control.ts');
  const print = await import('../../support/gameday/print.ts');
  return { ...state, ...control, ...print };
}

const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);

function command(name: Name, body: (parsed: ReturnType<typeof parse>) => Promise<number>) {
  return {
    async run(argv: string[]): Promise<number> {
      let parsed: ReturnType<typeof parse>;
      try {
        parsed = parse(name, argv);
      } catch (error) {
        process.stderr.write(`faultline ${name}: ${(error as Error).message}\n\n${helps[name]}`);
        return 2;
      }
      if (parsed.values.help) {
        process.stdout.write(helps[name]);
        return 0;
      }
      const { NoGameDay, ControlError } = await client();
      try {
        return await body(parsed);
      } catch (error) {
        if (error instanceof UsageError) {
          process.stderr.write(`faultline ${name}: ${error.message}\n\n${helps[name]}`);
          return 2;
        }
        if (error instanceof NoGameDay || error instanceof ControlError) {
          process.stderr.write(`faultline ${name}: ${error.message}\n`);
          return 1;
        }
        throw error;
      }
    },
  };
}

class UsageError extends Error {}

export const fault = command('fault', async ({ values, positionals }) => {
  const text = positionals.join(' ');
  if (text.trim() === '')
    throw new UsageError('give the fault step, e.g. faultline fault "redis is unreachable for 10 seconds"');
  const { readState, statePath, ask, faultLines } = await client();
  const state = readState(statePath(values.state));
  const { faults } = await ask(state.socket, 'POST', '/fault', { text });
  out(faults.flatMap(faultLines));
  return 0;
});

export const undo = command('undo', async ({ values, positionals }) => {
  const given = positionals.join(' ').trim();
  if ((values.all === true) === (given !== ''))
    throw new UsageError(
      'name one fault by its id (faultline undo 3) or its step text, or every fault with --all',
    );
  const id = given.replace(/^#/, '');
  const byId = /^[0-9]+$/.test(id);
  if (byId && !/^[1-9][0-9]*$/.test(id))
    throw new UsageError(`'${given}' is not a fault id: use the number \`faultline fault\` printed, e.g. 3`);
  const { readState, statePath, ask, faultLines } = await client();
  const state = readState(statePath(values.state));
  const { faults } = await ask(
    state.socket,
    'POST',
    '/undo',
    values.all ? { all: true } : byId ? { id: Number(id) } : { text: given },
  );
  if (faults.length === 0) out(['no fault was in place']);
  out(faults.flatMap(faultLines));
  return faults.some((f) => f.state === 'undo-failed') ? 1 : 0;
});

export const status = command('status', async ({ values }) => {
  const { readState, statePath, ask, faultLines, addressLines } = await client();
  const state = readState(statePath(values.state));
  const probe = values['steady-state'] === true;
  out([
    `game day: system ${state.system} on the ${state.backend} backend since ${state.startedAt} (pid ${state.pid})`,
    ...addressLines(state),
  ]);
  let answer: Awaited<ReturnType<typeof ask<'/status'>>>;
  try {
    answer = await ask(state.socket, 'GET', '/status', undefined, probe ? '?probe=1' : '');
  } catch (error) {
    out([`steady state: NOT met: ${(error as Error).message}`]);
    return 1;
  }
  out(['faults:', ...(answer.faults.length === 0 ? ['  none yet'] : answer.faults.flatMap(faultLines))]);
  if (answer.steadyState) out(['steady state: met', ...answer.steadyState.map((l) => `  ${l}`)]);
  return 0;
});

export const down = command('down', async ({ values, positionals }) => {
  if (positionals.length > 0)
    throw new UsageError(`faultline down takes no arguments, got '${positionals.join(' ')}'`);
  const timeoutS = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError(`--timeout ${values.timeout} is not a number of seconds above 0, e.g. --timeout 60`);
  const { readState, statePath, ask, downLines, isRunning } = await client();
  const state = readState(statePath(values.state));
  let code = 0;
  try {
    const report = await ask(state.socket, 'POST', '/down');
    out(downLines(report));
    if (report.problems.length > 0) code = 1;
  } catch (error) {
    // The control channel does not answer (the process is stuck, or its socket is gone): the signal path,
    // which rolls back and stops everything as an interrupted run does.
    process.stderr.write(
      `faultline down: the game day did not answer (${(error as Error).message}); sending SIGTERM to pid ${state.pid}\n`,
    );
    process.kill(state.pid, 'SIGTERM');
  }
  let deadline = Date.now() + timeoutS * 1000;
  let signalled = false;
  while (isRunning(state)) {
    if (Date.now() > deadline) {
      if (signalled) {
        process.stderr.write(`faultline down: pid ${state.pid} is still running after SIGTERM\n`);
        return 1;
      }
      process.stderr.write(`faultline down: pid ${state.pid} still running after ${timeoutS} s: SIGTERM\n`);
      process.kill(state.pid, 'SIGTERM');
      signalled = true;
      deadline = Date.now() + 30_000;
    }
    await sleep(50);
  }
  out([`faultline down: the game day (pid ${state.pid}) has stopped`]);
  return code;
});
