import { createHash, randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: read aloud or copied from paper without mistakes. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 16 characters of a 31-letter alphabet: about 79 bits, far above the 60 required. */
export const CODE_LENGTH = 16;
export const CODE_BITS = CODE_LENGTH * Math.log2(CODE_ALPHABET.length);

/** A new voucher code, grouped by four for reading: `ABCD-EFGH-JKMN-PQRS`. */
export function generateCode(pick: (max: number) => number = randomInt): string {
  let raw = '';
  for (let i = 0; i < CODE_LENGTH; i++) raw += CODE_ALPHABET[pick(CODE_ALPHABET.length)];
  return raw.match(/.{4}/g)!.join('-');
}

/** What was typed, as stored: case, spaces and dashes ignored. */
export const normalizeCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '');

/**
 * Codes are stored only as a hash (a leaked table does not spend vouchers). A fast hash is
 * enough: 79 random bits cannot be brute-forced, unlike a PIN.
 */
export const codeHash = (typed: string): string => createHash('sha256').update(normalizeCode(typed)).digest('hex');

export const codeHint = (code: string): string => normalizeCode(code).slice(-4);
