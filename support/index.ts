// faultline's public surface (`faultline`): everything a user's faultline.config.ts, an example system or a
// custom step may import — and nothing else. A name not exported here is internal and may change.

export type { RecordedEffect, RememberedOutcome } from './checks/consistency/tally.ts';
export type { EffectEvidence } from './checks/exactly-once.ts';
export type { Verdict } from './checks/verdict.ts';
export type {
  Environment,
  LifecycleEvent,
  RestartOptions,
  ServiceControl,
  ServiceEnv,
} from './env/environment.ts';
export type { KubernetesConfig, KubernetesService } from './env/kubernetes/config.ts';
export type { LogLine } from './env/local/process.ts';
export { createPki, type IssuedCertificate, type Pki } from './faults/tls/pki.ts';
export type { Attempt, Operation, Outcome } from './load/history.ts';
export { type LoadedConfig, loadConfig, loadSystem } from './system/config.ts';
export {
  type Adapters,
  type Config,
  type ContainerDeclaration,
  container,
  defineConfig,
  defineSystem,
  type HttpOperation,
  http,
  type MetricsDeclaration,
  type OperationDeclaration,
  type ProcessDeclaration,
  postgres,
  type RestartDeclaration,
  redis,
  type ServiceDeclaration,
  type ServiceWiring,
  type StoreDeclaration,
  type SystemDeclaration,
  type SystemDefinition,
  type SystemSource,
  service,
} from './system/declare.ts';
export { ConfigError } from './system/instantiate.ts';
export { type Timeout, wait } from './system/readiness.ts';
export type {
  AuditEvent,
  CertificateRejection,
  CertificateRejections,
  DeclaredRequest,
  MemberCertificates,
  OperationContext,
  OperationRecords,
  RequestContext,
  SecretEnv,
  SecretInEnv,
  SecretInFile,
  StoreCredentials,
  System,
  SystemEvents,
} from './system/system.ts';
export type { Endpoint, ProbeKind, Readiness } from './system/topology.ts';
