import { Bus, healthContract, type RequestContext } from '@tlp/contracts';
import type { ServiceDefinition } from '@tlp/platform';
import { problemHandlers } from './problem';

/** The services the gateway fronts; /readyz reports each one reachable over NATS. */
export const backendServices = ['loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync'] as const;

const probeContext: RequestContext = { tenantId: 'platform', requestId: 'readiness-probe' };

function reachable(bus: Bus, service: string) {
  return async () => {
    await bus.request(healthContract(service), probeContext, {}, { timeoutMs: 1500 });
  };
}

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  migrations: [],
  build: ({ bus }) => ({
    handlers: [],
    readiness: Object.fromEntries(backendServices.map((s) => [s, reachable(bus, s)])),
    http: (app) => {
      const { notFound, errors } = problemHandlers();
      app.use(notFound);
      app.use(errors);
    },
  }),
};
