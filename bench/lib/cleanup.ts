// What a benchmark started (processes, broker, databases, sockets) is registered here, so it is released
// both when the benchmark ends (normally or by an error) and when the run is interrupted (Ctrl-C).

interface Cleanup {
  name: string;
  release: () => Promise<void>;
}

const pending: Cleanup[] = [];

/** Registers a release step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(name: string, release: () => Promise<void>): () => Promise<void> {
  const entry: Cleanup = { name, release };
  pending.push(entry);
  return async () => {
    const at = pending.indexOf(entry);
    if (at >= 0) {
      pending.splice(at, 1);
      await release();
    }
  };
}

/** Runs every registered step, last registered first; one failing step does not stop the others. */
export async function runCleanups(log: (line: string) => void = console.log): Promise<void> {
  while (pending.length > 0) {
    const entry = pending.pop()!;
    try {
      await entry.release();
    } catch (err) {
      log(`cleanup: ${entry.name} failed: ${(err as Error).message}`);
    }
  }
}

export function pendingCleanups(): string[] {
  return pending.map((c) => c.name);
}
