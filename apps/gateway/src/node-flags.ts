// The Node.js flags a gateway runs with. Started by scripts/lib/network.ts (demo, tests, benchmarks),
// deploy/compose/Dockerfile and deploy/k8s/gateways/*.yaml; deploy-consistency.spec.ts keeps those in step.

/**
 * --no-memory-reducer: V8's memory reducer waits for an allocation lull (a gateway between bursts of alerts), then
 * runs a full garbage collection that compacts the whole heap to give memory back. Measured in #17's exchange bench,
 * it started in both gateways during a quiet spell and paused them 38-97 ms as the next alerts arrived, which took
 * a round's p99 from ~35 ms to 90-230 ms. A gateway has a fixed memory budget, so giving memory back while idle buys
 * nothing; collections still run as the heap grows (incremental and concurrent, with short pauses).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** The flags this process lacks (a gateway started some other way), for a warning at start. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return GATEWAY_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
