import type { Actor } from '@clientele/shared';

/** An internal memo as staff see it: the read model, or the write side right after a change. */
export interface ClientMemo {
  id: string;
  clientId: string;
  /** Null once the client was erased: who wrote it and when stay, the words do not. */
  text: string | null;
  /** A starred memo is shown on every roster that holds the client. */
  starred: boolean;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
}
