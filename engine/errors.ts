/**
 * The one error type the engine shows to people. Every failure that a user can
 * cause (a bad project file, a missing folder, a broken edge) becomes a
 * StudioError with a message that names the thing and a hint that says how to
 * fix it; the CLI prints these as one line, the window shows them in place.
 * Anything else that escapes is a bug and is reported as such.
 */
export class StudioError extends Error {
  constructor(
    message: string,
    readonly hint = '',
    /** A stable, machine-readable reason, for tests and for the window. */
    readonly code = 'invalid-input',
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}

/** Message and hint of any thrown value, for an error event. */
export function describeError(e: unknown): { message: string; hint: string; code: string } {
  if (isStudioError(e)) return { message: e.message, hint: e.hint, code: e.code };
  const message = e instanceof Error ? e.message : String(e);
  return { message, hint: 'This is a bug in Convnet Studio; please report it with this message.', code: 'internal' };
}
