import { sql } from '@tlp/platform';
import type { CodeState } from '../domain/evaluation';
import type { Queryable } from './catalog';

export interface CodeRow {
  code: string;
  batch_id: string;
  seq: number;
  advantage_id: string;
  state: CodeState;
  generated_at: Date;
  hold_order_id: string | null;
  held_until: Date | null;
  order_id: string | null;
  used_by: string | null;
  used_at: Date | null;
  invalidated_at: Date | null;
  tickets_scanned: number;
  requested_by: string;
}

const CODE_COLUMNS = `c.code, c.batch_id, c.seq, c.advantage_id, c.state, c.generated_at, c.hold_order_id, c.held_until, c.order_id,
  c.used_by, c.used_at, c.invalidated_at, c.tickets_scanned, b.requested_by`;
const FROM_CODES = `FROM single_use_codes c JOIN code_batches b ON b.tenant_id = c.tenant_id AND b.id = c.batch_id`;

export function codeRows(q: Queryable, tenantId: string, codes: string[]): Promise<CodeRow[]> {
  if (codes.length === 0) return Promise.resolve([]);
  return sql<CodeRow>(q, `SELECT ${CODE_COLUMNS} ${FROM_CODES} WHERE c.tenant_id = $1 AND c.code = ANY($2::text[])`, [tenantId, codes]);
}

export function batchCodeRows(q: Queryable, tenantId: string, batchId: string, state: string | null, afterSeq: number, limit: number): Promise<CodeRow[]> {
  return sql<CodeRow>(
    q,
    `SELECT ${CODE_COLUMNS} ${FROM_CODES}
     WHERE c.tenant_id = $1 AND c.batch_id = $2 AND c.seq > $3 AND ($4::text IS NULL OR c.state = $4)
     ORDER BY c.seq LIMIT $5`,
    [tenantId, batchId, afterSeq, state, limit],
  );
}
