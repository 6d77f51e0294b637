import { CODE_ALPHABET, CODE_BITS, codeHash, generateCode, normalizeCode } from './codes';
import { derivedId } from './derived-id';
import { hashPin, pinMatches } from './pin';

describe('voucher codes and PINs', () => {
  it('carry at least 60 bits in an alphabet without 0, O, 1, I or L', () => {
    expect(CODE_BITS).toBeGreaterThanOrEqual(60);
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    const code = generateCode();
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    expect(new Set(Array.from({ length: 1000 }, () => generateCode())).size).toBe(1000);
  });

  it('match whatever the case, spaces and dashes typed', () => {
    expect(normalizeCode('abcd-efgh jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(codeHash('abcd-efgh jkmn-pqrs')).toBe(codeHash('ABCDEFGHJKMNPQRS'));
  });

  it('store PINs salted: the same PIN hashes differently and still verifies', async () => {
    const [a, b] = [await hashPin('1234'), await hashPin('1234')];
    expect(a).not.toBe(b);
    expect(await pinMatches('1234', a)).toBe(true);
    expect(await pinMatches('1235', a)).toBe(false);
  });

  it('derives the same UUID v5 from the same name, another from another', () => {
    const id = derivedId('credit-note-conversion:t:c1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedId('credit-note-conversion:t:c1')).toBe(id);
    expect(derivedId('credit-note-conversion:t:c2')).not.toBe(id);
  });
});
