import {
  CodesGenerated,
  DomainError,
  normalizeCode,
  type CodeBatch,
  type CodeTracking,
  type EventData,
  type ParsedRequestOf,
  type ReplyOf,
  type TicketScanned,
  type downloadCodeBatch,
  type generateCodes as GenerateCodes,
  type invalidateCodes as InvalidateCodes,
  type listCodes as ListCodes,
} from '@tlp/contracts';
import { randomBytes } from 'node:crypto';
import { enqueueEvent, newId, onceByKey, sql, type Logger, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { findAdvantage, type Queryable } from '../db/catalog';
import { batchCodeRows, codeRows, type CodeRow } from '../db/codes';
import { randomCodes } from '../domain/codes';
import { notFound, requireIdempotencyKey, type PromotionContext } from './context';

/** Codes written per transaction: big enough for few round trips, small enough to keep locks short. */
export const GENERATION_CHUNK = 50_000;

interface BatchRow {
  id: string;
  tenant_id: string;
  advantage_id: string;
  requested_by: string;
  count: number;
  generated: number;
  state: 'generating' | 'ready';
  locale: string;
  destination: 'email-list' | 'download';
  created_at: Date;
}
const BATCH_COLUMNS = 'id, tenant_id, advantage_id, requested_by, count, generated, state, locale, destination, created_at';

const batchOf = (b: BatchRow): z.infer<typeof CodeBatch> => ({
  batchId: b.id,
  advantageId: b.advantage_id,
  contactId: b.requested_by,
  count: b.count,
  generated: b.generated,
  state: b.state,
  locale: b.locale,
  destination: b.destination,
  createdAt: b.created_at.toISOString(),
});

/** Rows an INSERT wrote, without sending them back (RETURNING a million rows costs). */
async function affectedRows(tx: Tx, query: string, parameters: unknown[]): Promise<number> {
  if (!tx.queryRunner) throw new Error('affectedRows needs a transaction');
  const result = (await tx.queryRunner.query(query, parameters, true)) as { affected?: number };
  return result.affected ?? 0;
}

export interface Chunk {
  tenant_id: string;
  batch_id: string;
  chunk_no: number;
  size: number;
}

/**
 * Writes one claimed chunk: codes with seq chunk_no × CHUNK + 1 … + size. A code that collides
 * with an existing one is skipped by the unique index, and its seq filled with a new code. The
 * chunk that completes the batch marks it ready and writes `evt.promotion.codes-generated`.
 */
export async function writeChunk(tx: Tx, chunk: Chunk, now: Date, random: (n: number) => Buffer = randomBytes): Promise<void> {
  const b = await findBatch(tx, chunk.tenant_id, chunk.batch_id);
  const base = chunk.chunk_no * GENERATION_CHUNK;
  let seqs: number[] | null = null;
  for (let written = 0; written < chunk.size; ) {
    // Sorted, the chunk lands in neighbouring pages of the code index instead of all over it.
    const codes = randomCodes(seqs ? seqs.length : chunk.size, random).sort();
    written += await affectedRows(
      tx,
      `INSERT INTO single_use_codes (tenant_id, code, batch_id, seq, advantage_id, generated_at)
       SELECT $1, c, $2, coalesce(($7::int[])[ord], $3 + ord), $4, $5 FROM unnest($6::text[]) WITH ORDINALITY AS t(c, ord)
       ON CONFLICT DO NOTHING`,
      [chunk.tenant_id, chunk.batch_id, base, b.advantage_id, now, codes, seqs],
    );
    if (written < chunk.size) {
      const missing = await sql<{ s: number }>(
        tx,
        `SELECT s FROM generate_series($2::int + 1, $2::int + $3::int) s
         WHERE NOT EXISTS (SELECT 1 FROM single_use_codes WHERE batch_id = $1 AND seq = s)`,
        [chunk.batch_id, base, chunk.size],
      );
      seqs = missing.map((m) => m.s);
      // Every seq taken, yet fewer written: another transaction wrote this chunk. Drawing again
      // would never end (and would hold this transaction open), so give up; it rolls back.
      if (seqs.length === 0) throw new Error(`chunk ${chunk.chunk_no} of code batch ${chunk.batch_id} was written by another transaction`);
    }
  }
  await tx.query(`UPDATE code_batch_chunks SET done = true WHERE tenant_id = $1 AND batch_id = $2 AND chunk_no = $3`, [
    chunk.tenant_id,
    chunk.batch_id,
    chunk.chunk_no,
  ]);
  const [updated] = await sql<BatchRow>(
    tx,
    `UPDATE code_batches SET generated = generated + $3,
       state = CASE WHEN generated + $3 >= count THEN 'ready' ELSE 'generating' END,
       ready_at = CASE WHEN generated + $3 >= count THEN $4::timestamptz END
     WHERE tenant_id = $1 AND id = $2 RETURNING ${BATCH_COLUMNS}`,
    [chunk.tenant_id, chunk.batch_id, chunk.size, now],
  );
  if (updated?.state === 'ready') {
    await enqueueEvent(tx, {
      contract: CodesGenerated,
      tenantId: chunk.tenant_id,
      data: {
        batchId: b.id,
        advantageId: b.advantage_id,
        contactId: b.requested_by,
        count: b.count,
        locale: b.locale,
        destination: b.destination,
        csvSubject: 'promotion.v1.code-batches.csv',
      },
    });
  }
}

/** Claims and writes the next unwritten chunk of any batch; false when none is left. */
export async function writeNextChunk(tx: Tx, now: Date): Promise<boolean> {
  const [chunk] = await sql<Chunk>(
    tx,
    `SELECT tenant_id, batch_id, chunk_no, size FROM code_batch_chunks WHERE NOT done ORDER BY batch_id, chunk_no LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  if (!chunk) return false;
  await writeChunk(tx, chunk, now);
  return true;
}

/**
 * Finishes batches still generating: `parallel` workers in this process claim chunks (woken right
 * after a request), and the periodic job does the same after a restart or in another replica.
 */
export class CodeGenerator {
  private readonly workers = new Set<Promise<void>>();
  private again = false;

  constructor(
    private readonly db: DataSource,
    private readonly clock: () => Date,
    private readonly log: Logger,
    private readonly parallel = 2,
  ) {}

  continue(): void {
    if (this.workers.size >= this.parallel) {
      this.again = true;
      return;
    }
    while (this.workers.size < this.parallel) {
      const worker: Promise<void> = this.drain()
        .catch((err: unknown) => this.log.error({ err }, 'code generation failed; the job retries'))
        .finally(() => {
          this.workers.delete(worker);
          if (this.again && this.workers.size === 0) {
            this.again = false;
            this.continue();
          }
        });
      this.workers.add(worker);
    }
  }

  /** Resolves when nothing is generating in this process any more. */
  async idle(): Promise<void> {
    while (this.workers.size) await Promise.all([...this.workers]);
  }

  async drain(): Promise<void> {
    while (await this.db.transaction((tx) => writeNextChunk(tx, this.clock())));
  }
}

export async function generateCodes(ctx: PromotionContext, input: ParsedRequestOf<typeof GenerateCodes>): Promise<z.infer<typeof CodeBatch>> {
  const key = requireIdempotencyKey(ctx, 'Generating codes');
  const batch = await ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'codes.generate', key }, input, async () => {
      const advantage = await findAdvantage(tx, ctx.tenantId, input.advantageId);
      if (!advantage) throw notFound('Advantage');
      if (advantage.target.type !== 'single-use-codes') {
        throw new DomainError('PROMOTION_NOT_SINGLE_USE', 'This advantage is not targeted by single-use codes');
      }
      if (advantage.state === 'closed') throw new DomainError('PROMOTION_ADVANTAGE_CLOSED', 'The advantage is closed');
      const batchId = newId();
      await tx.query(
        `INSERT INTO code_batches (tenant_id, id, advantage_id, requested_by, count, locale, destination, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [ctx.tenantId, batchId, input.advantageId, input.contactId, input.count, input.locale, input.destination, input.note ?? null, ctx.now],
      );
      const chunks = Math.ceil(input.count / GENERATION_CHUNK);
      await tx.query(
        `INSERT INTO code_batch_chunks (tenant_id, batch_id, chunk_no, size)
         SELECT $1, $2, n, least($3, $4 - n * $3) FROM generate_series(0, $5 - 1) n`,
        [ctx.tenantId, batchId, GENERATION_CHUNK, input.count, chunks],
      );
      // The first chunk is written before the reply: a small batch is complete when it returns.
      await writeChunk(tx, { tenant_id: ctx.tenantId, batch_id: batchId, chunk_no: 0, size: Math.min(GENERATION_CHUNK, input.count) }, ctx.now);
      return batchOf(await findBatch(tx, ctx.tenantId, batchId));
    }),
  );
  if (batch.state === 'generating') ctx.continueGeneration();
  return batch;
}

async function findBatch(q: Queryable, tenantId: string, batchId: string): Promise<BatchRow> {
  const [b] = await sql<BatchRow>(q, `SELECT ${BATCH_COLUMNS} FROM code_batches WHERE tenant_id = $1 AND id = $2`, [tenantId, batchId]);
  if (!b) throw notFound('Code batch');
  return b;
}

export async function getCodeBatch(ctx: PromotionContext, batchId: string): Promise<z.infer<typeof CodeBatch>> {
  return batchOf(await findBatch(ctx.db, ctx.tenantId, batchId));
}

export async function downloadBatch(
  ctx: PromotionContext,
  input: ParsedRequestOf<typeof downloadCodeBatch>,
): Promise<ReplyOf<typeof downloadCodeBatch>> {
  await findBatch(ctx.db, ctx.tenantId, input.batchId);
  const rows = await batchCodeRows(ctx.db, ctx.tenantId, input.batchId, null, input.afterSeq, input.limit);
  const header = input.afterSeq === 0 ? 'code,state,generated_at\n' : '';
  const csv = header + rows.map((r) => `${r.code},${r.state},${r.generated_at.toISOString()}\n`).join('');
  const last = rows[rows.length - 1];
  return { batchId: input.batchId, csv, rows: rows.length, nextAfterSeq: rows.length === input.limit && last ? last.seq : null };
}

const trackingOf = (r: CodeRow): z.infer<typeof CodeTracking> => ({
  code: r.code,
  advantageId: r.advantage_id,
  batchId: r.batch_id,
  requestedBy: r.requested_by,
  state: r.state,
  generatedAt: r.generated_at.toISOString(),
  usedAt: r.used_at?.toISOString() ?? null,
  usedBy: r.used_by,
  orderId: r.order_id,
  invalidatedAt: r.invalidated_at?.toISOString() ?? null,
  ticketsScanned: r.tickets_scanned,
});

export async function getCode(ctx: PromotionContext, code: string): Promise<z.infer<typeof CodeTracking>> {
  const [row] = await codeRows(ctx.db, ctx.tenantId, [code]);
  if (!row) throw notFound('Code');
  return trackingOf(row);
}

export async function listCodes(ctx: PromotionContext, input: ParsedRequestOf<typeof ListCodes>): Promise<ReplyOf<typeof ListCodes>> {
  await findBatch(ctx.db, ctx.tenantId, input.batchId);
  const rows = await batchCodeRows(ctx.db, ctx.tenantId, input.batchId, input.state ?? null, input.afterSeq, input.limit);
  const last = rows[rows.length - 1];
  return {
    codes: rows.map((r) => ({ ...trackingOf(r), seq: r.seq })),
    nextAfterSeq: rows.length === input.limit && last ? last.seq : null,
  };
}

/** A code is invalidated while available (or held by an expired hold); used codes stay used. */
const INVALIDATABLE = `(state = 'available' OR (state = 'held' AND held_until <= $3))`;

export async function invalidateCodes(ctx: PromotionContext, input: ParsedRequestOf<typeof InvalidateCodes>): Promise<ReplyOf<typeof InvalidateCodes>> {
  return ctx.db.transaction(async (tx) => {
    if ('batchId' in input) {
      await findBatch(tx, ctx.tenantId, input.batchId);
      const [r] = await sql<{ n: number }>(
        tx,
        `WITH inv AS (UPDATE single_use_codes SET state = 'invalidated', invalidated_at = $3, hold_order_id = NULL, held_until = NULL
           WHERE tenant_id = $1 AND batch_id = $2 AND ${INVALIDATABLE} RETURNING 1)
         SELECT count(*)::int AS n FROM inv`,
        [ctx.tenantId, input.batchId, ctx.now],
      );
      return { invalidated: r?.n ?? 0, skipped: [] };
    }
    const codes = [...new Set(input.codes)];
    const known = await codeRows(tx, ctx.tenantId, codes);
    const unknown = codes.filter((c) => !known.some((k) => k.code === c));
    if (unknown.length) throw new DomainError('PROMOTION_CODE_UNKNOWN', 'Some codes do not exist', { codes: unknown.slice(0, 100) });
    const done = await sql<{ code: string }>(
      tx,
      `UPDATE single_use_codes SET state = 'invalidated', invalidated_at = $3, hold_order_id = NULL, held_until = NULL
       WHERE tenant_id = $1 AND code = ANY($2::text[]) AND ${INVALIDATABLE} RETURNING code`,
      [ctx.tenantId, codes, ctx.now],
    );
    const invalidated = new Set(done.map((d) => d.code));
    return {
      invalidated: invalidated.size,
      skipped: known.filter((k) => !invalidated.has(k.code)).map((k) => ({ code: k.code, state: k.state })),
    };
  });
}

/**
 * A scanned ticket sold with a single-use code counts once for that code (a ticket scanned twice,
 * or the event redelivered, does not count again). The code comes with the event or from the order.
 */
export async function recordScan(tx: Tx, tenantId: string, scan: EventData<typeof TicketScanned>): Promise<void> {
  const [code] = scan.singleUseCode
    ? await sql<{ code: string }>(tx, `SELECT code FROM single_use_codes WHERE tenant_id = $1 AND code = $2`, [tenantId, normalizeCode(scan.singleUseCode)])
    : scan.orderId
      ? await sql<{ code: string }>(tx, `SELECT code FROM single_use_codes WHERE tenant_id = $1 AND order_id = $2 LIMIT 1`, [tenantId, scan.orderId])
      : [];
  if (!code) return;
  const fresh = await sql(
    tx,
    `INSERT INTO scanned_tickets (tenant_id, ticket_id, code, scanned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING ticket_id`,
    [tenantId, scan.ticketId, code.code, scan.scannedAt],
  );
  if (fresh.length) {
    await tx.query(`UPDATE single_use_codes SET tickets_scanned = tickets_scanned + 1 WHERE tenant_id = $1 AND code = $2`, [tenantId, code.code]);
  }
}
