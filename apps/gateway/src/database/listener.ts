// The LISTEN connections of the hubs (desk feed, deliveries), opened on demand: each is its own PostgreSQL connection,
// outside the pool, since a pooled connection would hand its notifications to whoever borrows it next.
import { Client } from 'pg';

/** Opens a connection to the database and runs `listen` on it (its LISTEN statements); the factory's type. */
export type ListenerFactory = () => Promise<Client>;

/** A factory of connected, listening clients; a connection whose LISTEN failed is closed before the error is thrown. */
export function listenerFactory(
  databaseUrl: string,
  listen: (client: Client) => Promise<void>,
): ListenerFactory {
  return async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await listen(client);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  };
}
