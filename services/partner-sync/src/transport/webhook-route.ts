import express, { type Express } from 'express';
import { receiveWebhook } from '../app/webhooks';
import type { Ports } from '../app/ports';

/**
 * POST /webhooks/partners/:partnerId on the service's own HTTP server. The body is read raw:
 * the signature covers the exact bytes sent, which a JSON parser would not keep.
 */
export function mountWebhookRoute(app: Express, ports: Ports): void {
  app.post('/webhooks/partners/:partnerId', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const header = (name: string) => req.get(name) ?? undefined;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    try {
      const outcome = await receiveWebhook(
        ports,
        String(req.params.partnerId),
        { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') },
        raw,
      );
      if (!outcome.problem) {
        res.status(outcome.status).end();
        return;
      }
      res.status(outcome.status).type('application/problem+json').send(JSON.stringify({ ...outcome.problem, status: outcome.status }));
    } catch (err) {
      ports.logger.error({ err, partnerId: req.params.partnerId }, 'partner webhook failed');
      res.status(500).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Internal error', status: 500 }));
    }
  });
}
