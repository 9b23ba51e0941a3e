// What a phone number says about a message: the recipient's country and the kind of sender, from
// libphonenumber-js (Google's libphonenumber metadata), not from a prefix table of our own.
// Parsing a number costs about 15-30 µs, a large part of a callback's time in the server; a
// provider reports each message several times (queued, sent, delivered) from a handful of sender
// numbers, so the answers are remembered per number (up to MEMO_SIZE numbers, then forgotten at once).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Numbers remembered per lookup before the memo starts over. */
export const MEMO_SIZE = 10_000;

function memoized(compute: (s: string) => string | undefined): (s: string | undefined) => string | undefined {
  const memo = new Map<string, string | undefined>();
  return (s) => {
    if (!s) return undefined;
    if (memo.has(s)) return memo.get(s);
    const answer = compute(s);
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(s, answer);
    return answer;
  };
}

/** ISO 3166-1 alpha-2 country of an E.164 number, or undefined when the number is not valid. */
export const countryOf = memoized((e164) => {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed?.isValid() ? parsed.country : undefined;
});

/**
 * long_code, short_code, toll_free or alphanumeric for a sender as providers report it: a
 * sender id with a letter is alphanumeric, 3 to 8 digits without + a short code, an E.164
 * number toll_free when libphonenumber says so and long_code otherwise; undefined when unknown.
 */
export const senderTypeOf = memoized((sender) => {
  if (/[A-Za-z]/.test(sender) && !sender.includes(':')) return 'alphanumeric';
  if (/^\d{3,8}$/.test(sender)) return 'short_code';
  const parsed = parsePhoneNumberFromString(sender);
  if (!parsed?.isValid()) return undefined;
  return parsed.getType() === 'TOLL_FREE' ? 'toll_free' : 'long_code';
});
