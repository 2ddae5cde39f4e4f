// Timing helpers shared by the benchmarks: one monotonic clock for every thread of the process.

/** Milliseconds on the process-wide monotonic clock (the same clock in worker threads). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `done` is true, checking every `everyMs`; resolves false when the bound passes first. */
export async function waitUntil({
  done,
  timeoutMs,
  everyMs = 20,
}: {
  done: () => boolean;
  timeoutMs: number;
  everyMs?: number;
}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      return false;
    }
    await sleep(everyMs);
  }
  return true;
}

/** A progress printer: `[name +12s] line`. */
export function progressLog(name: string): (line: string) => void {
  const started = Date.now();
  return (line: string) => {
    console.log(`[${name} +${Math.round((Date.now() - started) / 1000)}s] ${line}`);
  };
}
