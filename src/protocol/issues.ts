/**
 * Field-level problems as they cross the wire in `error.data.issues`, and the one conversion
 * from any validator's issues (zod's, any Standard Schema's, the client's shape checker's).
 */

/** One field-level problem: where (keys and array indexes) and what. */
export type Issue = { path: (string | number)[]; message: string };

type PathItem = PropertyKey | { key: PropertyKey };
/** Flatten schema issues (zod's, or any Standard Schema's) into wire issues. */
export function toIssues(issues: readonly { path?: readonly PathItem[] | undefined; message: string }[]): Issue[] {
  return issues.map((i) => ({
    // Validated data came from JSON, so keys are strings or array indexes, never symbols.
    path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)) as Issue['path'],
    message: i.message,
  }));
}
