import { Timestamp } from '@tlp/contracts';
import { sql } from '@tlp/platform';
import { z } from 'zod';
import { activeSecrets, findPartnerAnyTenant } from '../db/partners';
import { verifyMessage } from '../domain/signature';
import { rememberBalance } from './balances';
import type { Ports } from './ports';

/** What partners send us (docs/partner-api.md), in the Standard Webhooks payload shape. */
export const PartnerWebhook = z.discriminatedUnion('type', [
  z.object({ type: z.literal('member.joined'), timestamp: Timestamp, data: z.object({ externalRef: z.string().min(1) }) }),
  z.object({ type: z.literal('member.left'), timestamp: Timestamp, data: z.object({ externalRef: z.string().min(1) }) }),
  z.object({
    type: z.literal('balance.changed'),
    timestamp: Timestamp,
    data: z.object({ externalRef: z.string().min(1), points: z.int() }),
  }),
]);
export type PartnerWebhook = z.infer<typeof PartnerWebhook>;

export interface WebhookOutcome {
  status: 204 | 400 | 401 | 404 | 409;
  problem?: { type: string; title: string; detail: string };
}

const refuse = (status: WebhookOutcome['status'], type: string, title: string, detail: string): WebhookOutcome => ({
  status,
  problem: { type: `https://errors.tlp.example/partner-webhooks/${type}`, title, detail },
});

/**
 * Receives one partner webhook. The partner is found by the id in the URL, and its tenant is the
 * one it was set up for: nothing in the message can point at another tenant. Only a message
 * signed with one of that partner's current secrets and stamped within the tolerance is read;
 * its id is recorded under a unique index with its effect, in one transaction, so it applies once.
 */
export async function receiveWebhook(
  ports: Ports,
  partnerId: string,
  headers: Record<string, string | undefined>,
  rawBody: string,
): Promise<WebhookOutcome> {
  const partner = z.uuid().safeParse(partnerId).success ? await findPartnerAnyTenant(ports.db, partnerId) : undefined;
  if (!partner) return refuse(404, 'unknown-partner', 'Unknown partner', 'No partner is set up under this address');
  const log = ports.logger.child({ tenantId: partner.tenantId, partnerId, webhookId: headers['webhook-id'] });
  const verified = verifyMessage(
    activeSecrets(partner, 'inbound', ports.now()),
    { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] },
    rawBody,
    ports.now(),
    ports.settings.webhookToleranceSeconds,
  );
  if (!verified.ok) {
    log.warn({ reason: verified.reason }, 'partner webhook refused');
    return refuse(401, verified.reason, 'Webhook signature refused', `The message was refused: ${verified.reason}`);
  }
  let parsed: ReturnType<typeof PartnerWebhook.safeParse>;
  try {
    parsed = PartnerWebhook.safeParse(JSON.parse(rawBody));
  } catch {
    parsed = PartnerWebhook.safeParse(undefined);
  }
  if (!parsed.success) {
    log.warn({ issues: parsed.error.issues.length }, 'partner webhook does not fit the partner API');
    return refuse(400, 'invalid-payload', 'Invalid webhook payload', 'The message does not match docs/partner-api.md');
  }
  const event = parsed.data;
  const applied = await ports.db.transaction(async (tx) => {
    const fresh = await sql(
      tx,
      `INSERT INTO inbound_webhooks (tenant_id, partner_id, webhook_id, type) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING webhook_id`,
      [partner.tenantId, partnerId, verified.id, event.type],
    );
    if (fresh.length === 0) return false;
    if (event.type === 'balance.changed') {
      await rememberBalance(tx, ports, partner.tenantId, partnerId, event.data.externalRef, { points: event.data.points, asOf: event.timestamp });
    } else {
      await sql(
        tx,
        `INSERT INTO members (tenant_id, partner_id, contact_id, status, changed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, partner_id, contact_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
         WHERE members.changed_at <= EXCLUDED.changed_at`,
        [partner.tenantId, partnerId, event.data.externalRef, event.type === 'member.joined' ? 'joined' : 'left', event.timestamp],
      );
    }
    return true;
  });
  if (!applied) {
    log.warn('partner webhook replayed: refused');
    return refuse(409, 'replayed', 'Webhook already received', 'This webhook id was already applied; do not send it again');
  }
  log.info({ type: event.type }, 'partner webhook applied');
  return { status: 204 };
}
