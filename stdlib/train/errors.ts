/**
 * A problem with what the user asked of a training program (a bad setting, a missing or corrupt
 * checkpoint, an output folder that cannot be written): the command line prints its message as
 * one line and exits non-zero.
 */
export class RunError extends Error {
  override name = 'RunError'
}

/** The loss became NaN or infinite: the run stops, the last checkpoint stays as it was. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError'
}
