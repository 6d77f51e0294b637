import { DomainError } from '@tlp/contracts';
import { randomBytes } from 'node:crypto';
import { activeSecrets, listPartners, updatePartner } from '../db/partners';
import { createPartner } from './partners';
import type { Ports } from './ports';

const demoName = 'Rewards4Rugby (simulator)';
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * For `pnpm start`: links the demo tenant to the partner simulator (created once, its address
 * updated when the simulator moves to another port), and tells the simulator our credential,
 * the secret we sign with and where to send its webhooks, so both directions work out of the box.
 */
export async function linkDemoPartner(ports: Ports, opts: { tenantId: string; simulatorUrl: string; webhookBaseUrl?: string }): Promise<void> {
  const ctx = { tenantId: opts.tenantId, log: ports.logger.child({ tenantId: opts.tenantId }) };
  const find = async () => (await listPartners(ports.db, opts.tenantId)).find((p) => p.name === demoName);
  let partner = await find();
  if (!partner) {
    try {
      await createPartner(ctx, ports, {
        name: demoName,
        apiBaseUrl: opts.simulatorUrl,
        apiKey: `demo-${randomBytes(12).toString('hex')}`,
        inboundSecrets: [secret()],
        outboundSecrets: [secret()],
        wording: { en: 'Rewards4Rugby points', fr: 'points Rewards4Rugby' },
        conversion: { points: 100, amountMinor: 100, currency: 'EUR' },
        earn: { enabled: true, seasonTicketHoldersOnly: false, channels: null, pointsOfSale: null, productFamilies: null, rate: { points: 1, perMinor: 100 } },
        spend: { enabled: true, channels: null, pointsOfSale: null, blockedFamilies: ['season-ticket'], allowedFamilies: null },
        active: true,
      });
    } catch (e) {
      // Another replica created it at the same moment.
      if (!(e instanceof DomainError && e.code === 'PARTNER_NAME_TAKEN')) throw e;
    }
    partner = (await find())!;
  } else if (partner.apiBaseUrl !== opts.simulatorUrl) {
    const moved = { ...partner, apiBaseUrl: opts.simulatorUrl };
    await ports.db.transaction((tx) => updatePartner(tx, moved));
    partner = moved;
  }
  const now = ports.now();
  const account = {
    apiKey: partner.apiKey,
    verifySecrets: activeSecrets(partner, 'outbound', now),
    ...(opts.webhookBaseUrl
      ? { webhook: { url: `${opts.webhookBaseUrl}/webhooks/partners/${partner.partnerId}`, secret: activeSecrets(partner, 'inbound', now)[0] } }
      : {}),
  };
  // The simulator may still be starting: a few tries, then give up with a warning.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${opts.simulatorUrl}/_control/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(account),
        signal: AbortSignal.timeout(2000),
      });
      if (res.ok) break;
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (attempt >= 20) {
        ctx.log.warn({ err, partnerId: partner.partnerId }, 'could not register the demo partner with the simulator');
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  ctx.log.info({ partnerId: partner.partnerId, simulator: opts.simulatorUrl }, 'demo partner linked to the simulator');
}
