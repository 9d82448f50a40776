// faultline's cucumber entry (`faultline/cucumber`): everything a cucumber run needs — the World, the
// parameter types, the lifecycle hooks, the report labels and every step — in one import, so a user's
// cucumber.js loads faultline with one line. Import order matters only for the World, which comes first.
import './world.ts';
import './parameters.ts';
import './hooks.ts';
import './report/labels.ts';
// Fault steps become Chaos Mesh objects on FAULTLINE_BACKEND=kubernetes (wraps the steps below).
import './env/kubernetes/chaos-steps.ts';
import '../steps/abort.steps.ts';
import '../steps/certificate.steps.ts';
import '../steps/server-certificate.steps.ts';
import '../steps/client.steps.ts';
import '../steps/consistency.steps.ts';
import '../steps/data.steps.ts';
import '../steps/dns.steps.ts';
import '../steps/environment.steps.ts';
import '../steps/latency.steps.ts';
import '../steps/hypothesis.steps.ts';
import '../steps/load.steps.ts';
import '../steps/network.steps.ts';
import '../steps/process.steps.ts';
import '../steps/promql.steps.ts';
import '../steps/replica.steps.ts';
import '../steps/security.steps.ts';
import '../steps/resource.steps.ts';
import '../steps/system.steps.ts';
import '../steps/slo.steps.ts';
import '../steps/stores.steps.ts';
import '../steps/verdict.steps.ts';
