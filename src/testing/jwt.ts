/** Unsigned JWT-shaped tokens for the client's expiry checks (the fake gateway never verifies them). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.sig`;
}

/** A token for `sub` that expires in 2027 (after every fake clock the tests use). */
export const tokenFor = (sub: string) => jwt({ sub, exp: Math.floor(Date.parse('2027-01-01') / 1000) });

/** The fake gateway's `authorize` for such tokens: the `sub` of a JWT, an opaque token as its own user. */
export function userOf(token: string): string {
  const [, body] = token.split('.');
  return body ? (JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/'))) as { sub: string }).sub : token;
}
