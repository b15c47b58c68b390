import { SingleBar } from 'cli-progress';

/** A progress bar on stderr while images are encoded; silent when stderr is not a terminal. */
export function progressReporter(label: string): { update(done: number, total: number): void; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total}`,
    hideCursor: true,
    stream: process.stderr,
    noTTYOutput: false,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
