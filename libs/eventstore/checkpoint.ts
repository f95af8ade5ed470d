import type { Checkpoint } from './event-store.port';

export function compareCheckpoints(a: Checkpoint | null, b: Checkpoint | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  return 0;
}

/** True when a reader at `reader` has seen everything up to `head`. */
export function covers(reader: Checkpoint | null, head: Checkpoint | null): boolean {
  return head === null || compareCheckpoints(reader, head) >= 0;
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${checkpoint.major}:${checkpoint.minor}`;
}

export function parseCheckpoint(text: string | null | undefined): Checkpoint | null {
  if (text === null || text === undefined || text === '') return null;
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw new Error(`Not a checkpoint: ${text}`);
  return { major: BigInt(match[1]!), minor: BigInt(match[2]!) };
}
