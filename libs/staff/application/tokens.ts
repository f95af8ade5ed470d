import { createHash, randomBytes } from 'node:crypto';

/** A bearer token: 256 random bits, shown once. Only its SHA-256 is stored. */
export function newToken(): { token: string; tokenHash: string } {
  const token = `clt_${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashToken(token) };
}

/** Tokens are random, not passwords: a fast hash is the right one (no brute force to slow). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
