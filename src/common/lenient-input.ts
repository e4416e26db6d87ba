import { Transform } from 'class-transformer';

/**
 * Inputs are read as a user of Particle would send them (design.md §6, "Input types"): Particle's own API
 * takes form posts, where every number is a string, and gives product ids as JSON numbers. Each helper
 * reads only the unambiguous other form into the contract's type and leaves anything else as it came, so
 * the field's validators refuse it with their usual message.
 */

const SIGNED_DIGITS = /^-?[0-9]+$/;

/**
 * `"300"` is 300. Any length: a huge count becomes a huge number, which the field's `@Max` then refuses
 * clearly. Signed, so `"-1"` is refused as below the minimum rather than as not a number. `"1e3"`, `"0x10"`,
 * `" 300"` and `"300.0"` stay strings and are refused: digits only, as a form field holds them.
 */
export function integerFromDigits(value: unknown): unknown {
  return typeof value === 'string' && SIGNED_DIGITS.test(value) ? Number(value) : value;
}

/**
 * A product id sent as a JSON number, as Particle's API and SDK give it, is its decimal string. Only a
 * positive safe integer: beyond that the number a client meant may already be lost in parsing.
 */
export function digitsFromPositiveInteger(value: unknown): unknown {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? String(value) : value;
}

/** One string where a list of them is asked for: `"*"` is `["*"]`. */
export function listFromString(value: unknown): unknown {
  return typeof value === 'string' ? [value] : value;
}

/** class-transformer decorators of the helpers above, for DTOs that go through the validation pipe. */
export const AcceptsDigits = (): PropertyDecorator => Transform(({ value }) => integerFromDigits(value));
export const AcceptsPositiveInteger = (): PropertyDecorator =>
  Transform(({ value }) => digitsFromPositiveInteger(value));
export const AcceptsSingleString = (): PropertyDecorator => Transform(({ value }) => listFromString(value));
