import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultLedger } from '../../support/faults/ledger.ts';

const noop = async () => [];

test('undo is registered before apply, so a fault that throws half-way is still rolled back', async () => {
  const ledger = new FaultLedger();
  const undone: string[] = [];
  await assert.rejects(
    ledger.inject({
      kind: 'partition',
      description: 'half applied',
      targets: ['w1'],
      apply: async () => {
        throw new Error('proxy refused the second toxic');
      },
      undo: async () => {
        undone.push('half applied');
      },
    }),
  );
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(undone, ['half applied']);
});

test('rollback undoes newest first and reports every failed undo', async () => {
  const ledger = new FaultLedger();
  const order: string[] = [];
  for (const name of ['a', 'b', 'c'])
    await ledger.inject({
      kind: 'k',
      description: name,
      targets: [],
      apply: noop,
      undo: async () => {
        order.push(name);
        if (name !== 'b') throw new Error(`cannot undo ${name}`);
      },
    });
  const failures = await ledger.rollback();
  assert.deepEqual(order, ['c', 'b', 'a']);
  assert.equal(failures.length, 2);
  assert.match(failures[0]!, /fault #3 \(c\): undo failed: cannot undo c/);
  assert.equal(ledger.records[1]!.state, 'undone');
  assert.equal(ledger.records[0]!.state, 'undo-failed');
});

test('a fault with a duration heals by itself, once, and is time-stamped', async () => {
  const ledger = new FaultLedger();
  let undos = 0;
  const record = await ledger.inject({
    kind: 'k',
    description: 'short',
    targets: [],
    durationMs: 50,
    apply: noop,
    undo: async () => {
      undos += 1;
    },
  });
  assert.equal(record.state, 'active');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(record.state, 'undone');
  await ledger.rollback();
  assert.equal(undos, 1);
  assert.ok(record.stoppedAt! - record.startedAt! >= 50);
});

// A step that times out is abandoned by cucumber while its fault may still be half-way through apply():
// the After hook's rollback must not undo before the apply has finished adding what it adds.
test('rollback waits for a fault still being applied, then undoes it', async () => {
  const ledger = new FaultLedger();
  const state = new Set<string>();
  const injecting = ledger.inject({
    kind: 'partition',
    description: 'slow to apply',
    targets: ['w1'],
    apply: async () => {
      await new Promise((r) => setTimeout(r, 150));
      state.add('toxic');
      return ['applied'];
    },
    undo: async () => {
      state.delete('toxic');
    },
  });
  // The step "timed out" here: rollback starts while apply is in flight.
  assert.deepEqual(await ledger.rollback(), []);
  await injecting;
  assert.deepEqual([...state], [], 'the toxic added after rollback began was removed');
  assert.equal(ledger.records[0]!.state, 'undone');
});

test('an apply that outlasts the wait is undone again when it finally finishes, and named', async () => {
  const ledger = new FaultLedger({ applyWaitMs: 50 });
  const state = new Set<string>();
  let undos = 0;
  const injecting = ledger.inject({
    kind: 'latency',
    description: 'hangs',
    targets: ['w2'],
    apply: async () => {
      await new Promise((r) => setTimeout(r, 250));
      state.add('toxic');
      return [];
    },
    undo: async () => {
      undos += 1;
      state.delete('toxic');
    },
  });
  const failures = await ledger.rollback();
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /fault #1 \(hangs\) was still being applied after 50 ms; undone anyway/);
  await assert.rejects(injecting, /finished applying after rollback; undone/);
  assert.deepEqual([...state], []);
  assert.equal(undos, 2);
});

test('once rolled back, the ledger refuses new faults instead of leaving one behind', async () => {
  const ledger = new FaultLedger();
  await ledger.rollback();
  let applied = false;
  await assert.rejects(
    ledger.inject({
      kind: 'k',
      description: 'late',
      targets: [],
      apply: async () => {
        applied = true;
        return [];
      },
      undo: async () => {},
    }),
    /fault not applied \(late\): the scenario has already been rolled back/,
  );
  assert.equal(applied, false);
});

test('awaitTimedHeals resolves when the faults that heal by themselves have healed, not those held until rollback', async () => {
  const ledger = new FaultLedger();
  const spec = (description: string, durationMs?: number) => ({
    kind: 'k',
    description,
    targets: [],
    apply: noop,
    undo: async () => {},
    ...(durationMs === undefined ? {} : { durationMs }),
  });
  const held = await ledger.inject(spec('held until rollback'));
  const short = await ledger.inject(spec('short', 30));
  const longer = await ledger.inject(spec('longer', 80));
  assert.equal(await ledger.awaitTimedHeals(10_000), true);
  assert.equal(short.state, 'undone');
  assert.equal(longer.state, 'undone');
  assert.equal(held.state, 'active');
  assert.equal(await ledger.awaitTimedHeals(10_000), true, 'nothing left to wait for');
  await ledger.rollback();
});

test('awaitTimedHeals gives up graceMs past the planned end of a fault whose undo does not end', async () => {
  const ledger = new FaultLedger({ applyWaitMs: 10 });
  let release = () => {};
  const stuck = new Promise<void>((r) => {
    release = r;
  });
  await ledger.inject({
    kind: 'k',
    description: 'stuck',
    targets: [],
    durationMs: 10,
    apply: noop,
    undo: () => stuck,
  });
  const started = Date.now();
  assert.equal(await ledger.awaitTimedHeals(40), false);
  assert.ok(Date.now() - started >= 30, 'gave up before the grace was over');
  release();
  await ledger.rollback();
});
