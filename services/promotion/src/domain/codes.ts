import { randomBytes } from 'node:crypto';

/** No 0/O, 1/I/L: codes are read from paper and typed by people. 31 symbols. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 13 symbols of 31 carry 13 × log2(31) ≈ 64.4 bits. */
export const CODE_LENGTH = 13;

/**
 * `count` random codes. Bytes come from the CSPRNG in bulk; each keeps its low 5 bits and the one
 * value out of 32 that has no symbol is rejected, so every symbol is equally likely.
 */
export function randomCodes(count: number, random: (n: number) => Buffer = randomBytes): string[] {
  const codes: string[] = new Array<string>(count);
  let pool = random(count * CODE_LENGTH * 2);
  let at = 0;
  for (let c = 0; c < count; c++) {
    let code = '';
    while (code.length < CODE_LENGTH) {
      if (at === pool.length) {
        pool = random(CODE_LENGTH * 64);
        at = 0;
      }
      const v = (pool[at++] ?? 0) & 31;
      if (v < CODE_ALPHABET.length) code += CODE_ALPHABET[v];
    }
    codes[c] = code;
  }
  return codes;
}
