/**
 * A file drift reads (a data set, a checkpoint) is missing, not a regular file, or malformed.
 * The message is one line naming the file, what is wrong and, where there is one, the fix; the
 * command line prints it as `drift: <message>` and exits non-zero.
 */
export class DataError extends Error {
  override name = 'DataError'
}
