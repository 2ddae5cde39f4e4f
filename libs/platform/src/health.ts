import type { DataSource } from 'typeorm';
import type { KafkaClient } from './kafka.client';

export interface Health {
  status: 'up' | 'degraded';
  database: 'up' | 'down';
  kafka: 'up' | 'down';
}

/** Liveness of the two things every Corridor process needs: its database and the broker. */
export async function checkHealth(ds: DataSource, kafka: KafkaClient): Promise<Health> {
  const database = await ds
    .query('select 1')
    .then(() => 'up' as const)
    .catch(() => 'down' as const);
  const broker = (await kafka.ping()) ? ('up' as const) : ('down' as const);
  return { status: database === 'up' && broker === 'up' ? 'up' : 'degraded', database, kafka: broker };
}
