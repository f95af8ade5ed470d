import type { Actor } from './actor';

/** Who asks, for which studio, under which request: travels with every command and query. */
export interface RequestContext {
  studioId: string;
  actor: Actor;
  correlationId: string;
  idempotencyKey?: string;
  /** The revision from `If-Match`, when the caller made the change conditional. */
  ifMatch?: number;
  now: Date;
}
