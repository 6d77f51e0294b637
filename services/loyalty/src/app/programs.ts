import { DomainError, LoyaltyAccountCreated, pointsWordForms, type Program, type RequestContext } from '@tlp/contracts';
import { enqueueEvent, newId, sql, type Tx } from '@tlp/platform';
import type { z } from 'zod';
import type { ProgramInput } from '@tlp/contracts';
import { loyaltyCatalogChanged } from './catalog';

export type ProgramSettings = z.output<typeof ProgramInput>;

export interface ProgramRow {
  program_id: string;
  settings: ProgramSettings;
  active: boolean;
  created_at: Date;
}

export const toProgram = (r: ProgramRow): Program => ({ ...r.settings, programId: r.program_id, active: r.active, createdAt: new Date(r.created_at).toISOString() });

export async function createProgram(tx: Tx, ctx: RequestContext, settings: ProgramSettings): Promise<Program> {
  loyaltyCatalogChanged(ctx.tenantId);
  const [row] = await sql<ProgramRow>(tx, `INSERT INTO programs (program_id, tenant_id, settings) VALUES ($1, $2, $3) RETURNING *`, [
    newId(),
    ctx.tenantId,
    JSON.stringify(settings),
  ]);
  return toProgram(row!);
}

export async function getProgram(tx: Tx, tenantId: string, programId: string): Promise<Program> {
  const [row] = await sql<ProgramRow>(tx, `SELECT * FROM programs WHERE tenant_id = $1 AND program_id = $2`, [tenantId, programId]);
  if (!row) throw new DomainError('PROGRAM_NOT_FOUND', `No loyalty program ${programId}`);
  return toProgram(row);
}

export async function listPrograms(tx: Tx, tenantId: string): Promise<Program[]> {
  return (await sql<ProgramRow>(tx, `SELECT * FROM programs WHERE tenant_id = $1 ORDER BY created_at`, [tenantId])).map(toProgram);
}

export async function updateProgram(tx: Tx, tenantId: string, programId: string, changes: Partial<ProgramSettings>): Promise<Program> {
  loyaltyCatalogChanged(tenantId);
  const current = await getProgram(tx, tenantId, programId);
  const { programId: _id, active: _a, createdAt: _c, ...settings } = current;
  const [row] = await sql<ProgramRow>(tx, `UPDATE programs SET settings = $3 WHERE tenant_id = $1 AND program_id = $2 RETURNING *`, [
    tenantId,
    programId,
    JSON.stringify({ ...settings, ...changes }),
  ]);
  return toProgram(row!);
}

export async function setProgramActive(tx: Tx, tenantId: string, programId: string, active: boolean): Promise<Program> {
  loyaltyCatalogChanged(tenantId);
  const [row] = await sql<ProgramRow>(tx, `UPDATE programs SET active = $3 WHERE tenant_id = $1 AND program_id = $2 RETURNING *`, [tenantId, programId, active]);
  if (!row) throw new DomainError('PROGRAM_NOT_FOUND', `No loyalty program ${programId}`);
  return toProgram(row);
}

/** A copy to edit, inactive until someone activates it. */
export async function cloneProgram(tx: Tx, ctx: RequestContext, programId: string, name: string): Promise<Program> {
  const { programId: _id, active: _a, createdAt: _c, ...settings } = await getProgram(tx, ctx.tenantId, programId);
  return createProgram(tx, ctx, { ...settings, name });
}

/** The program named, or the tenant's first active one, among the tenant's programs (oldest first). */
export function chooseProgram(programs: Program[], programId: string | undefined): Program {
  if (programId) {
    const p = programs.find((x) => x.programId === programId);
    if (!p) throw new DomainError('PROGRAM_NOT_FOUND', `No loyalty program ${programId}`);
    if (!p.active) throw new DomainError('PROGRAM_INACTIVE', `The loyalty program ${programId} is not active`);
    return p;
  }
  const first = programs.find((x) => x.active);
  if (!first) throw new DomainError('PROGRAM_NOT_FOUND', 'The tenant has no active loyalty program');
  return first;
}

export async function resolveProgram(tx: Tx, tenantId: string, programId: string | undefined): Promise<Program> {
  return chooseProgram(await listPrograms(tx, tenantId), programId);
}

export interface PricedProduct {
  productId: string;
  quantity: number;
  points: number;
}

/** Products bought with their points price: the program's price × quantity, refused for a product it does not price. */
export function priceInPoints(program: Program, products: { productId: string; quantity: number }[]): PricedProduct[] {
  return products.map(({ productId, quantity }) => {
    const price = program.productPrices.find((p) => p.productId === productId);
    if (!price) throw new DomainError('PRODUCT_NOT_PRICED_IN_POINTS', `Product ${productId} has no price in ${pointsWordForms(program.wording).other}`, { productId });
    return { productId, quantity, points: price.points * quantity };
  });
}

export interface AccountRow {
  account_id: string;
  program_id: string;
  contact_id: string;
  phone: string | null;
  balance: number;
  held: number;
  created_at: Date;
}

/**
 * The account of a contact in a program, made on the spot when there is none (the till case).
 * A unique index decides between two tills opening it at once; the new account is announced so
 * a notifier can send the welcome SMS.
 */
export async function openAccount(tx: Tx, tenantId: string, program: Program, contactId: string, phone: string | null): Promise<{ account: AccountRow; created: boolean }> {
  const [created] = await sql<AccountRow>(
    tx,
    `INSERT INTO accounts (account_id, tenant_id, program_id, contact_id, phone) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING *`,
    [newId(), tenantId, program.programId, contactId, phone],
  );
  if (created) {
    await enqueueEvent(tx, {
      contract: LoyaltyAccountCreated,
      tenantId,
      data: { accountId: created.account_id, programId: program.programId, contactId, phone },
    });
    return { account: created, created: true };
  }
  const [existing] = await sql<AccountRow>(tx, `SELECT * FROM accounts WHERE tenant_id = $1 AND program_id = $2 AND contact_id = $3`, [
    tenantId,
    program.programId,
    contactId,
  ]);
  if (!existing) throw new DomainError('CONFLICT', 'This phone number belongs to another contact in the program');
  if (phone && !existing.phone) await tx.query(`UPDATE accounts SET phone = $2 WHERE account_id = $1`, [existing.account_id, phone]);
  return { account: { ...existing, phone: existing.phone ?? phone }, created: false };
}
