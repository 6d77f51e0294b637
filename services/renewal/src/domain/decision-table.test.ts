import { decideGroup, type GroupSituation } from './decision-table';
import type { PoolSeat } from './seat-pool';

const seat = (number: string, category: string): PoolSeat => ({ seatId: `seat-${number}`, area: 'A', row: '1', number, category, rank: 0 });
const origin = seat('10', 'CAT1');
const originOtherCategory = seat('10', 'CAT2');
const preferred = seat('20', 'CAT1');
const preferredOtherCategory = seat('20', 'CAT2');
const best = seat('30', 'CAT1');

interface Row {
  row: number;
  situation: Omit<GroupSituation, 'originCategory'>;
  action: 'renew' | 'dont-renew';
  seat: PoolSeat | null;
}

/** One case per row of the seed's decision table, in the seed's order. */
const rows: Row[] = [
  // Same physical configuration: the same seat or nothing.
  { row: 1, situation: { samePhysicalConfiguration: true, originSeat: { seat: origin, available: true }, preferredSeat: null, bestSeat: best }, action: 'renew', seat: origin },
  { row: 2, situation: { samePhysicalConfiguration: true, originSeat: { seat: originOtherCategory, available: true }, preferredSeat: { seat: preferred, available: true }, bestSeat: best }, action: 'dont-renew', seat: null },
  // Different configuration, seat with the same area/row/number exists.
  { row: 3, situation: { samePhysicalConfiguration: false, originSeat: { seat: originOtherCategory, available: true }, preferredSeat: { seat: preferred, available: true }, bestSeat: best }, action: 'renew', seat: originOtherCategory },
  { row: 4, situation: { samePhysicalConfiguration: false, originSeat: { seat: origin, available: false }, preferredSeat: { seat: preferred, available: true }, bestSeat: best }, action: 'renew', seat: preferred },
  { row: 5, situation: { samePhysicalConfiguration: false, originSeat: { seat: origin, available: false }, preferredSeat: { seat: preferredOtherCategory, available: true }, bestSeat: best }, action: 'renew', seat: best },
  { row: 6, situation: { samePhysicalConfiguration: false, originSeat: { seat: origin, available: false }, preferredSeat: { seat: preferred, available: false }, bestSeat: null }, action: 'dont-renew', seat: null },
  { row: 7, situation: { samePhysicalConfiguration: false, originSeat: { seat: origin, available: false }, preferredSeat: null, bestSeat: best }, action: 'renew', seat: best },
  { row: 8, situation: { samePhysicalConfiguration: false, originSeat: { seat: origin, available: false }, preferredSeat: null, bestSeat: null }, action: 'dont-renew', seat: null },
  // Different configuration, no seat with the same area/row/number.
  { row: 9, situation: { samePhysicalConfiguration: false, originSeat: null, preferredSeat: { seat: preferred, available: true }, bestSeat: best }, action: 'renew', seat: preferred },
  { row: 10, situation: { samePhysicalConfiguration: false, originSeat: null, preferredSeat: { seat: preferred, available: false }, bestSeat: best }, action: 'renew', seat: best },
  { row: 11, situation: { samePhysicalConfiguration: false, originSeat: null, preferredSeat: { seat: preferredOtherCategory, available: true }, bestSeat: null }, action: 'dont-renew', seat: null },
  { row: 12, situation: { samePhysicalConfiguration: false, originSeat: null, preferredSeat: null, bestSeat: best }, action: 'renew', seat: best },
  { row: 13, situation: { samePhysicalConfiguration: false, originSeat: null, preferredSeat: null, bestSeat: null }, action: 'dont-renew', seat: null },
];

describe('the decision table of the renewal batch (seed 004)', () => {
  it.each(rows)('row $row: $action', ({ row, situation, action, seat: expected }) => {
    const d = decideGroup({ ...situation, originCategory: 'CAT1' });
    expect(d.row).toBe(row);
    expect(d.action).toBe(action);
    expect(d.seat).toEqual(expected);
    expect(d.rationale.length).toBeGreaterThan(20);
  });

  it('refuses the same seat on the same configuration when it is taken (row 2, not a best seat)', () => {
    const d = decideGroup({ samePhysicalConfiguration: true, originCategory: 'CAT1', originSeat: { seat: origin, available: false }, preferredSeat: null, bestSeat: best });
    expect(d).toMatchObject({ row: 2, action: 'dont-renew' });
  });

  it('ignores a category change when the configuration changed (row 3)', () => {
    const d = decideGroup({ samePhysicalConfiguration: false, originCategory: 'CAT1', originSeat: { seat: originOtherCategory, available: true }, preferredSeat: null, bestSeat: null });
    expect(d).toMatchObject({ row: 3, action: 'renew', source: 'origin-seat' });
  });
});
