// What a phone number says about a message: the recipient's country and the kind of sender, from
// libphonenumber-js (Google's libphonenumber metadata), not from a prefix table of our own.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** ISO 3166-1 alpha-2 country of an E.164 number, or undefined when the number is not valid. */
export function countryOf(e164: string | undefined): string | undefined {
  if (!e164) return undefined;
  const parsed = parsePhoneNumberFromString(e164);
  return parsed?.isValid() ? parsed.country : undefined;
}

/**
 * long_code, short_code, toll_free or alphanumeric for a sender as providers report it: a
 * sender id with a letter is alphanumeric, 3 to 8 digits without + a short code, an E.164
 * number toll_free when libphonenumber says so and long_code otherwise; undefined when unknown.
 */
export function senderTypeOf(sender: string | undefined): string | undefined {
  if (!sender) return undefined;
  if (/[A-Za-z]/.test(sender) && !sender.includes(':')) return 'alphanumeric';
  if (/^\d{3,8}$/.test(sender)) return 'short_code';
  const parsed = parsePhoneNumberFromString(sender);
  if (!parsed?.isValid()) return undefined;
  return parsed.getType() === 'TOLL_FREE' ? 'toll_free' : 'long_code';
}
