import type { ServiceDefinition } from '@tlp/platform';

/** The voucher service: what it owns and how it starts (see README.md). */
export const voucherService: ServiceDefinition = {
  name: 'voucher',
  migrations: [],
  build: () => ({ handlers: [] }),
};
