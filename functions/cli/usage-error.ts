/** A bad flag: the commands print its one line and exit with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
