import type { ServiceDefinition } from '@tlp/platform';

/** The loyalty service: what it owns and how it starts (see README.md). */
export const loyaltyService: ServiceDefinition = {
  name: 'loyalty',
  migrations: [],
  build: () => ({ handlers: [] }),
};
