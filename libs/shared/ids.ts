import { createHash } from 'node:crypto';

/**
 * A UUID (version 4 layout) derived from a seed: the same seed, the same id. Deciders use it for
 * what a command creates as a consequence (a sale's bill, a renewal's bill), so deciding twice
 * — a retry, a process that runs twice — names the same things.
 */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
