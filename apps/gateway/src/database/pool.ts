// A gateway's pool of database connections (node-postgres): its shape and defaults, read by the configuration
// (DATABASE_POOL_*) and by data-source.ts. No runtime dependency, so the configuration stays light to load.

export interface GatewayPool {
  /** at most this many connections */
  max: number;
  /**
   * Connections kept open however long they stay idle. A connection opened on demand costs a backend process, its
   * catalogue caches and a plan for every prepared statement: when a quiet spell of over idleTimeoutMillis had closed
   * them, the next burst opened eight at once and held its alerts for 100-200 ms (#17); a warm floor avoids that.
   */
  min: number;
  /** connections above `min` close after idling this long */
  idleTimeoutMillis: number;
}

export const DEFAULT_GATEWAY_POOL: GatewayPool = { max: 10, min: 5, idleTimeoutMillis: 30_000 };
