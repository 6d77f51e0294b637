import type { ServiceDefinition } from '@tlp/platform';

/** The partner-sync service: what it owns and how it starts (see README.md). */
export const partnerSyncService: ServiceDefinition = {
  name: 'partner-sync',
  migrations: [],
  build: () => ({ handlers: [] }),
};
