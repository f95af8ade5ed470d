import type { StoredResponse } from '@clientele/idempotency';

/** Thrown by the idempotency interceptor so the filter writes the stored answer verbatim. */
export class ReplayedResponse extends Error {
  constructor(readonly response: StoredResponse) {
    super('replayed');
  }
}
