/**
 * What the CLIs print when they cannot start: one line, without secrets. Start-up errors
 * repeat the URLs they were given (`Redis at redis://:password@host did not answer`), and a
 * terminal's scrollback or a CI log is no place for a password.
 */

/** `message` with the password of every URL in it replaced by `***`. */
export function redactSecrets(message: string): string {
  // scheme://user:password@host → scheme://user:***@host (the user name alone is not a secret).
  return message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)[^\s/@]*@/gi, '$1***@');
}

/** The one line a CLI prints for an error that stops it. */
export function startupError(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}
