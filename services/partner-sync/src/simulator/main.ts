import { createLogger, listen } from '@tlp/platform';
import { createSimulator } from './server';

/** The partner simulator as a process (`pnpm start`, end-to-end tests): PORT or HTTP_PORT, loopback by default. */
const logger = createLogger('partner-simulator', process.env.LOG_LEVEL ?? 'info');
const port = Number(process.env.PORT ?? process.env.HTTP_PORT ?? 0);
const { app } = createSimulator();
void listen(app, port, process.env.HTTP_HOST ?? '127.0.0.1').then(
  ({ server, port: bound }) => {
    logger.info({ port: bound }, 'partner simulator listening');
    const stop = () => server.close(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err: unknown) => {
    logger.error({ err }, 'partner simulator could not start');
    process.exit(1);
  },
);
