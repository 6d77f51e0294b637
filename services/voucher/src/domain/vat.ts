import type { AccountingLine, VatTiming } from '@tlp/contracts';

/** Integer division rounded half to even, on BigInt so no amount ever passes through a float. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  const twice = 2n * r;
  if (twice < denominator) return q;
  if (twice > denominator) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

/** Splits a VAT-inclusive price into net and VAT; the two always add back to the price. */
export function splitGross(grossMinor: number, rateBp: number): { netMinor: number; vatMinor: number } {
  const net = Number(divideHalfEven(BigInt(grossMinor) * 10_000n, 10_000n + BigInt(rateBp)));
  return { netMinor: net, vatMinor: grossMinor - net };
}

export interface ExperiencePrice {
  priceMinor: number;
  currency: string;
  vatCode: string;
}

/** The reference of the experience-voucher product itself on the sale's lines. */
export const EXPERIENCE_VOUCHER_REF = 'experience-voucher';

/**
 * The sale's lines. VAT at sale: the voucher is a taxable sale now (net revenue + VAT).
 * VAT at redemption: nothing is taxed yet; the whole price is deferred revenue (a liability).
 */
export function saleLines(timing: VatTiming, price: ExperiencePrice, rateBp: number): AccountingLine[] {
  const base = { phase: 'sale' as const, vatCode: price.vatCode, currency: price.currency };
  if (timing === 'at-redemption') {
    return [{ ...base, kind: 'deferred-revenue', ref: EXPERIENCE_VOUCHER_REF, amountMinor: price.priceMinor }];
  }
  const { netMinor, vatMinor } = splitGross(price.priceMinor, rateBp);
  return [
    { ...base, kind: 'revenue', ref: EXPERIENCE_VOUCHER_REF, amountMinor: netMinor },
    { ...base, kind: 'vat', ref: price.vatCode, amountMinor: vatMinor },
  ];
}

/**
 * The redemption's lines: the ticket is issued at no charge and the open product of the VAT code
 * and season balances it, so each phase's lines sum to zero. VAT at sale moves the already-taxed
 * net revenue to the ticket product; VAT at redemption taxes now, at the open product's rate, and
 * clears the deferred revenue.
 */
export function redemptionLines(
  timing: VatTiming,
  price: ExperiencePrice,
  rates: { atSaleBp: number; openProductBp: number },
  refs: { productId: string; openProductId: string },
): AccountingLine[] {
  const base = { phase: 'redemption' as const, vatCode: price.vatCode, currency: price.currency };
  if (timing === 'at-sale') {
    const { netMinor } = splitGross(price.priceMinor, rates.atSaleBp);
    return [
      { ...base, kind: 'revenue', ref: refs.productId, amountMinor: netMinor },
      { ...base, kind: 'open-product', ref: refs.openProductId, amountMinor: -netMinor },
    ];
  }
  const { netMinor, vatMinor } = splitGross(price.priceMinor, rates.openProductBp);
  return [
    { ...base, kind: 'revenue', ref: refs.productId, amountMinor: netMinor },
    { ...base, kind: 'vat', ref: price.vatCode, amountMinor: vatMinor },
    { ...base, kind: 'open-product', ref: refs.openProductId, amountMinor: -price.priceMinor },
  ];
}
