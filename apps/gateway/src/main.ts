import 'reflect-metadata';
import { ConfigError, loadGatewayConfig } from './config/config';
import { createGateway } from './bootstrap';
import { gatewayLogger } from './core.module';
import { missingNodeFlags } from './node-flags';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = gatewayLogger(config);
  const missing = missingNodeFlags();
  if (missing.length) {
    logger.warn(
      { missing },
      `node was started without ${missing.join(' ')}: alerts may wait behind idle-time garbage collections; start it as docs/operations.md ("Node.js flags") says`,
    );
  }
  const app = await createGateway(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info(
    { url: `http://${config.http.host}:${config.http.port}`, docs: '/docs', desk: '/desk' },
    'gateway ready',
  );
}

main().catch((err: unknown) => {
  const e = err as Error;
  const hint = err instanceof ConfigError ? '' : ' (see docs/operations.md, "Troubleshooting")';
  console.error(`corridor gateway: ${e.message}${hint}`);
  process.exit(1);
});
