import { DomainError, type ParsedRequestOf, type PartnerView, type partnersCreate, type partnersRotateSecret, type partnersUpdate } from '@tlp/contracts';
import { newId, onceByKey, type Tx } from '@tlp/platform';
import { addSecret, findPartner, insertPartner, listPartners, partnerView, updatePartner, type PartnerRecord } from '../db/partners';
import type { Ports, UseCaseContext } from './ports';

export async function requirePartner(q: Tx | Ports['db'], ctx: UseCaseContext, partnerId: string, lock = false): Promise<PartnerRecord> {
  const partner = await findPartner(q, ctx.tenantId, partnerId, lock);
  // Another tenant's partner is "not found": its existence does not leak.
  if (!partner) throw new DomainError('NOT_FOUND', `Partner ${partnerId} not found`);
  return partner;
}

/** Sets a partner up for the tenant; repeating the same Idempotency-Key returns the first result. */
export async function createPartner(ctx: UseCaseContext, ports: Ports, input: ParsedRequestOf<typeof partnersCreate>): Promise<PartnerView> {
  const view = await ports.db.transaction(async (tx) => {
    const create = async () => {
      const partnerId = newId();
      const { inboundSecrets, outboundSecrets, ...settings } = input;
      if (!(await insertPartner(tx, { tenantId: ctx.tenantId, partnerId, ...settings }))) {
        throw new DomainError('PARTNER_NAME_TAKEN', `A partner named "${input.name}" already exists`);
      }
      for (const s of inboundSecrets) await addSecret(tx, ctx.tenantId, partnerId, 'inbound', s);
      for (const s of outboundSecrets) await addSecret(tx, ctx.tenantId, partnerId, 'outbound', s);
      return partnerView(await requirePartner(tx, ctx, partnerId), ports.now());
    };
    return ctx.idempotencyKey ? onceByKey(tx, { tenantId: ctx.tenantId, scope: 'partners.create', key: ctx.idempotencyKey }, input, create) : create();
  });
  ports.api.prepare(view.partnerId);
  ctx.log.info({ partnerId: view.partnerId, name: view.name }, 'partner set up');
  return view;
}

/** Changes settings; naturally idempotent (the same update twice leaves the same state). */
export async function updatePartnerSettings(ctx: UseCaseContext, ports: Ports, input: ParsedRequestOf<typeof partnersUpdate>): Promise<PartnerView> {
  return ports.db.transaction(async (tx) => {
    const current = await requirePartner(tx, ctx, input.partnerId, true);
    const { partnerId: _id, ...changes } = input;
    const next: PartnerRecord = { ...current };
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) Object.assign(next, { [k]: v });
    try {
      await updatePartner(tx, next);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new DomainError('PARTNER_NAME_TAKEN', `A partner named "${next.name}" already exists`);
      throw e;
    }
    return partnerView(await requirePartner(tx, ctx, input.partnerId), ports.now());
  });
}

export async function getPartner(ctx: UseCaseContext, ports: Ports, partnerId: string): Promise<PartnerView> {
  return partnerView(await requirePartner(ports.db, ctx, partnerId), ports.now());
}

export async function listTenantPartners(ctx: UseCaseContext, ports: Ports): Promise<{ partners: PartnerView[] }> {
  const now = ports.now();
  return { partners: (await listPartners(ports.db, ctx.tenantId)).map((p) => partnerView(p, now)) };
}

/** A new secret is valid at once; the older ones of the same direction retire after the grace period. */
export async function rotateSecret(ctx: UseCaseContext, ports: Ports, input: ParsedRequestOf<typeof partnersRotateSecret>): Promise<PartnerView> {
  return ports.db.transaction(async (tx) => {
    await requirePartner(tx, ctx, input.partnerId, true);
    const othersExpireAt = new Date(ports.now().getTime() + input.graceSeconds * 1000);
    await addSecret(tx, ctx.tenantId, input.partnerId, input.direction, input.secret, othersExpireAt);
    ctx.log.info({ partnerId: input.partnerId, direction: input.direction, graceSeconds: input.graceSeconds }, 'partner secret rotated');
    return partnerView(await requirePartner(tx, ctx, input.partnerId), ports.now());
  });
}
