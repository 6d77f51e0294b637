import { numberFormat } from './intl';

/**
 * Amounts travel as integer minor units plus an ISO currency. They are shown through
 * Intl.NumberFormat fed with an exact decimal string, so no float ever touches an amount.
 */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** Digits after the decimal point for a currency (2 for EUR, 0 for JPY, 3 for KWD). */
export function minorDigits(currency: string): number {
  return numberFormat('en', currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 12345 EUR minor units -> "123.45" exactly. */
export function decimalString(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amount must be an integer of minor units, got ${amountMinor}`);
  const digits = minorDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

export function formatMoney(money: Money, locale?: string): string {
  return numberFormat(locale, money.currency).format(decimalString(money.amountMinor, money.currency) as `${number}`);
}

/** "12.5" typed by a person in EUR -> 1250 minor units; undefined when it is not an amount. */
export function parseMinor(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const m = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return undefined;
  const minor = Number(m[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : undefined;
}
