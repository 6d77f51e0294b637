import type { Logger } from '@tlp/platform';
import type { DataSource } from 'typeorm';

/** What every use case gets first: the tenant it acts for, the database and a logger. */
export interface RenewalContext {
  tenantId: string;
  db: DataSource;
  log: Logger;
}
