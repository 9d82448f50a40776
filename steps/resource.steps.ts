import { When } from '@cucumber/cucumber';
import { processServiceWords } from '../support/faults/resource/bounds.ts';
import { cpuHog, cpuQuota } from '../support/faults/resource/cpu.ts';
import { diskFull } from '../support/faults/resource/disk.ts';
import { openFilesExhaustion } from '../support/faults/resource/files.ts';
import { connectionLeak } from '../support/faults/resource/leak.ts';
import { memoryLimit, memoryPressure } from '../support/faults/resource/memory.ts';
import {
  cpuWords,
  diskWords,
  leakWords,
  memoryWords,
  RESOURCE_STEPS,
} from '../support/faults/resource/words.ts';
import { chooseTargets } from '../support/faults/targets.ts';
import { targetWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject } from './judge.ts';

// Resource faults on any process service, in the target grammar of every fault step ("worker-1", "the
// workers", "2 of the workers"): CPU quota and hog, memory cap and pressure, a connection leak, open-files
// exhaustion (support/faults/resource/). Words and figures are checked first — a figure beyond what the
// machine has is refused — then the seeded draw, then the fault.

// An OOM-killed service's restart under its policy on a loaded 2-core machine.
const FAULT_STEP = { timeout: 60_000 };

/** The words a step names, as process services, before any figure is read or anything applied. */
function targetsOf(world: FaultlineWorld, phrase: string, step: string) {
  const targets = targetWords(world.env.topology, phrase);
  processServiceWords(world.env.topology, targets.members, step);
  return targets;
}

function aim(world: FaultlineWorld, phrase: string, purpose: string, lasting?: string) {
  const targets = targetsOf(world, phrase, STEP_NAMES[purpose] ?? purpose);
  const durationMs = holdingMs(world, lasting);
  return { targets, durationMs, chosen: () => chooseTargets(world, targets, purpose) };
}

const STEP_NAMES: Record<string, string> = {
  'cpu-quota': 'a CPU quota',
  'cpu-hog': 'a CPU hog',
  'memory-limit': 'a memory cap',
  'memory-pressure': 'memory pressure',
  'open-files': 'an open-files limit',
};

const operations = (world: FaultlineWorld) => () => world.history.operations;

When(
  new RegExp(RESOURCE_STEPS.cpuQuota),
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, percent: string, lasting?: string) {
    const aimed = aim(this, phrase, 'cpu-quota', lasting);
    const share = cpuWords(percent);
    const chosen = aimed.chosen();
    await inject(
      this,
      cpuQuota(this.env, chosen, {
        phrase: aimed.targets.phrase,
        share,
        text: percent,
        durationMs: aimed.durationMs,
      }),
    );
  },
);

When(
  new RegExp(RESOURCE_STEPS.cpuHog),
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, lasting?: string) {
    const aimed = aim(this, phrase, 'cpu-hog', lasting);
    const chosen = aimed.chosen();
    await inject(
      this,
      cpuHog(this.env, chosen, { phrase: aimed.targets.phrase, durationMs: aimed.durationMs }),
    );
  },
);

When(
  new RegExp(RESOURCE_STEPS.memoryLimit),
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, size: string, above?: string, lasting?: string) {
    const aimed = aim(this, phrase, 'memory-limit', lasting);
    const bytes = memoryWords(size, 'a memory cap');
    const chosen = aimed.chosen();
    await inject(
      this,
      memoryLimit(this.env, chosen, {
        phrase: aimed.targets.phrase,
        bytes,
        text: size,
        aboveUse: Boolean(above),
        durationMs: aimed.durationMs,
      }),
    );
  },
);

When(
  new RegExp(RESOURCE_STEPS.memoryPressure),
  FAULT_STEP,
  async function (this: FaultlineWorld, size: string, phrase: string, lasting?: string) {
    const aimed = aim(this, phrase, 'memory-pressure', lasting);
    const bytes = memoryWords(size, 'memory pressure');
    const chosen = aimed.chosen();
    await inject(
      this,
      memoryPressure(this.env, chosen, {
        phrase: aimed.targets.phrase,
        bytes,
        text: size,
        durationMs: aimed.durationMs,
        operations: operations(this),
      }),
    );
  },
);

When(
  new RegExp(RESOURCE_STEPS.connectionLeak),
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, rate: string, lasting: string) {
    const targets = targetsOf(this, phrase, 'a connection leak');
    const { perSecond, forMs } = leakWords(rate, lasting);
    const chosen = chooseTargets(this, targets, 'connection-leak');
    await inject(
      this,
      connectionLeak(this.env, chosen, {
        phrase: targets.phrase,
        perSecond,
        forMs,
        operations: operations(this),
      }),
    );
  },
);

When(
  new RegExp(RESOURCE_STEPS.openFiles),
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, lasting?: string) {
    const aimed = aim(this, phrase, 'open-files', lasting);
    const chosen = aimed.chosen();
    await inject(
      this,
      openFilesExhaustion(this.env, chosen, {
        phrase: aimed.targets.phrase,
        durationMs: aimed.durationMs,
        operations: operations(this),
      }),
    );
  },
);

// One service's data disk (its declaration's `disk`), filled by a ballast file of faultline's.
When(
  new RegExp(RESOURCE_STEPS.diskFull),
  FAULT_STEP,
  async function (this: FaultlineWorld, service: string, percent?: string, lasting?: string) {
    const share = diskWords(this.env.topology, service, percent ?? undefined);
    await inject(
      this,
      diskFull(this.env, service, {
        percent: share,
        text: percent ?? '100%',
        durationMs: holdingMs(this, lasting),
        operations: operations(this),
      }),
    );
  },
);
