import type { ServiceDefinition } from '@tlp/platform';

/** The promotion service: what it owns and how it starts (see README.md). */
export const promotionService: ServiceDefinition = {
  name: 'promotion',
  migrations: [],
  build: () => ({ handlers: [] }),
};
