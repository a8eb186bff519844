/** A problem with the input that must be reported to the user as one clear line. */
export class InputError extends Error {
  override readonly name = 'InputError';
}
