import 'reflect-metadata';
import { createSecretariat, secretariatLogger } from './bootstrap';
import { loadSecretariatConfig } from './config';

async function main(): Promise<void> {
  const config = loadSecretariatConfig();
  const logger = secretariatLogger(config);
  const app = await createSecretariat(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: `http://${config.http.host}:${config.http.port}`, docs: '/docs' }, 'secretariat ready');
}

main().catch((err: unknown) => {
  console.error(`corridor secretariat: ${(err as Error).message}`);
  process.exit(1);
});
