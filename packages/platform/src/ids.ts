import { v7 } from 'uuid';

/** UUIDv7: sortable by creation time, so ledger and outbox order follow the clock. */
export const newId = (): string => v7();
