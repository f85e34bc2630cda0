/**
 * A problem with what the user asked of the toy trainer (a bad setting, a missing or corrupt
 * checkpoint, an output folder that cannot be written): the command line prints its message as
 * one line and exits non-zero.
 */
export class Toy2dError extends Error {
  override name = 'Toy2dError'
}

/** The loss became NaN or infinite: the run stops, the last checkpoint stays as it was. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError'
}
