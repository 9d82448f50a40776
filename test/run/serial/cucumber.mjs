// test/run/serial.test.ts's configuration: this directory's support code and faultline's ordering plugin,
// none of faultline's own support code (no topology is brought up).
export default {
  import: ['test/run/serial/steps.ts'],
  plugin: ['./support/run/serial-plugin.ts'],
  format: ['summary'],
};
