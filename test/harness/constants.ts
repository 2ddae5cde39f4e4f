import path from 'node:path';

export const ADMIN_DATABASE_URL =
  process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Names the directory of the run in progress; in the repository's ignored test-artifacts/, removed at teardown. */
export const RUN_FILE = path.join(__dirname, '..', '..', 'test-artifacts', 'current-run.json');
/** Principals the harness issues TLS client certificates for (tests that act as a gateway or the secretariat). */
export const TEST_PRINCIPALS = ['secretariat', 'gw-ne', 'gw-ly', 'gw-it', 'gw-tn', 'gw-mt'];
