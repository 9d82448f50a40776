// A child process started by faultline must not outlive the run, even when the runner dies by SIGKILL
// (no After hook or signal handler runs then). The parent hands every child a pipe on stdin; the kernel
// closes it when the parent dies, whatever the cause, and the child exits on the resulting end-of-file.
// Opt-in through FAULTLINE_LIFELINE=1 so the same entrypoints also run standalone from a terminal.

export function exitWithParent(onParentGone: () => Promise<void> | void = () => {}): void {
  if (process.env.FAULTLINE_LIFELINE !== '1') return;
  const gone = async () => {
    try {
      await onParentGone();
    } finally {
      process.exit(0);
    }
  };
  process.stdin.on('end', gone);
  process.stdin.on('error', gone);
  process.stdin.resume();
}
