import type { DeliveryRecord } from '../db/deliveries';
import { nextWave } from './delivery';

const d = (id: string, externalRef: string): DeliveryRecord => ({
  deliveryId: id,
  tenantId: 't',
  partnerId: 'p',
  kind: 'member.share',
  sourceKey: id,
  method: 'POST',
  path: '/v1/members',
  payload: { externalRef },
  state: 'pending',
  attempts: 0,
  nextAttemptAt: null,
  lastError: null,
  createdAt: new Date(),
  deliveredAt: null,
});

describe('delivery waves', () => {
  it('send several members at once but never two messages of one member together, in order', () => {
    const queue = [d('1', 'a'), d('2', 'b'), d('3', 'a'), d('4', 'c')];
    expect(nextWave(queue, 8).map((x) => x.deliveryId)).toEqual(['1', '2']);
    expect(nextWave(queue.slice(2), 8).map((x) => x.deliveryId)).toEqual(['3', '4']);
    expect(nextWave(queue, 1).map((x) => x.deliveryId)).toEqual(['1']);
  });
});
