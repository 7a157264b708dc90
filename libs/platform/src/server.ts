// Process entry shared by all services: validate config, listen, and shut down gracefully on SIGTERM:
// report not-ready at once, keep serving through the drain delay, finish in-flight requests, close pools, exit 0.
import closeWithGrace from 'close-with-grace';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, METRICS_PORT_OFFSET } from './config.ts';
import { listenMetrics } from './metrics.ts';
import type { App } from './service.ts';

export interface RunnableConfig {
  PORT: number;
  HOST: string;
  METRICS_PORT?: number | undefined;
  SHUTDOWN_DRAIN_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

function fail(service: string, message: string): never {
  process.stderr.write(`${service}: ${message}\n`);
  process.exit(1);
}

export async function runService<C extends RunnableConfig>(
  service: string,
  readConfig: () => C,
  build: (config: C) => Promise<App>,
): Promise<void> {
  let config: C;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(service, err.message);
    throw err;
  }
  let app: App;
  try {
    // Building also checks what the schema cannot (e.g. that a key parses).
    app = await build(config);
  } catch (err) {
    if (err instanceof ConfigError) fail(service, err.message);
    throw err;
  }
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(service, `port ${config.PORT} is already in use; stop what holds it or set PORT`);
    if (code === 'EACCES') fail(service, `not allowed to listen on port ${config.PORT}; use a port above 1024`);
    throw err;
  }
  // PORT 0 (any free port) gives a free metrics port too.
  const metricsPort = config.METRICS_PORT ?? (config.PORT === 0 ? 0 : config.PORT + METRICS_PORT_OFFSET);
  if (metricsPort > 65535)
    fail(service, `PORT ${config.PORT} + ${METRICS_PORT_OFFSET} is not a port; set METRICS_PORT`);
  let metrics: Awaited<ReturnType<typeof listenMetrics>>;
  try {
    metrics = await listenMetrics(app.metrics, { port: metricsPort, host: config.HOST });
    app.log.info({ url: metrics.url }, 'metrics listening');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(service, `metrics port ${metricsPort} is already in use; stop what holds it or set METRICS_PORT`);
    throw err;
  }
  closeWithGrace({ delay: config.SHUTDOWN_DRAIN_MS + config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error; shutting down');
    app.log.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutdown: not ready, draining');
    app.health.startDraining();
    app.metrics.ready.set(0);
    await sleep(config.SHUTDOWN_DRAIN_MS);
    await app.close();
    await metrics.close();
    app.log.info('shutdown complete');
  });
}
