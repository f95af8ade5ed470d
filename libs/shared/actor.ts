/** Who caused a change (invariant 7). */
export type Actor =
  { type: 'staff'; id: string } | { type: 'client'; id: string } | { type: 'system'; id: string };
