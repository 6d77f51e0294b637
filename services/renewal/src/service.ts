import type { ServiceDefinition } from '@tlp/platform';

/** The renewal service: what it owns and how it starts (see README.md). */
export const renewalService: ServiceDefinition = {
  name: 'renewal',
  migrations: [],
  build: () => ({ handlers: [] }),
};
