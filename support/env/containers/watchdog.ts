// The cleanup watchdog of one run (see sweep.ts): waits until the runner's pipe closes, whatever ended the
// runner, then removes every container and network carrying the run's label, and exits.
//   node support/env/containers/watchdog.ts <run id>

import { sweepRun } from './sweep.ts';

const run = process.argv[2];
if (!run) {
  process.stderr.write('usage: watchdog.ts <run id>\n');
  process.exit(2);
}

// Signals meant for the runner's terminal are not for us; we end when the pipe does.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

let done = false;
const sweep = async () => {
  if (done) return;
  done = true;
  try {
    await sweepRun(run);
  } finally {
    process.exit(0);
  }
};
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);
process.stdin.on('close', sweep);
process.stdin.resume();
process.stdout.write('ready\n');
