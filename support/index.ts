// faultline's public surface (`faultline`): everything a user's faultline.config.ts, an example system or a
// custom step may import — and nothing else. A name not exported here is internal and may change.
export type { Verdict } from './checks/verdict.ts';
export type { Attempt, Operation } from './load/history.ts';
