// The phone lookups of the webhooks remember their answers per number: the same answer the first
// time, from the memo, and after the memo started over.
import { describe, expect, it } from 'vitest';
import { countryOf, MEMO_SIZE, senderTypeOf } from '../webhooks/phone.ts';

describe('phone lookups', () => {
  it('answer the same from the memo and after it starts over', () => {
    const expected: Array<[string | undefined, string | undefined, string | undefined]> = [
      ['+4915123456123', 'DE', 'long_code'], ['+18005550100', 'US', 'toll_free'], ['24365', undefined, 'short_code'],
      ['ACME', undefined, 'alphanumeric'], ['+1555', undefined, undefined], [undefined, undefined, undefined],
    ];
    for (let round = 0; round < 2; round++) {
      expect(expected.map(([n]) => [n, countryOf(n), senderTypeOf(n)])).toEqual(expected);
    }
    // MEMO_SIZE further short codes fill the memo: it starts over, and the answers stay right
    for (let i = 0; i <= MEMO_SIZE; i++) senderTypeOf(String(100_000 + i));
    expect(expected.map(([n]) => [n, countryOf(n), senderTypeOf(n)])).toEqual(expected);
  });
});
