/**
 * Room-name patterns for `PUBLIC_ROOMS` and the `rooms` claim: `*` stands for any run of
 * characters (none included), every other character for itself. Matched without regular
 * expressions, because patterns in a token come from outside: no pattern can make a
 * match slow beyond lengths × lengths, and no character needs escaping.
 */

/** Whether `name` matches `pattern`. */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  // Where the last `*` was, and how much of `name` it has swallowed so far.
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.length && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and try again from there.
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether any of `patterns` matches `name`. */
export function matchesAny(patterns: Iterable<string>, name: string): boolean {
  for (const p of patterns) if (globMatch(p, name)) return true;
  return false;
}
