/** A Prometheus the run started (a local process or a container), and how to stop it. */
export interface StartedPrometheus {
  /** Where the runner reaches its HTTP API. */
  url: string;
  /** "local process (pid 4242)", "container faultline-…-prometheus": for the report. */
  where: string;
  logs(): string[];
  /** Stops it and removes its data; safe to call twice. */
  stop(): Promise<void>;
}
