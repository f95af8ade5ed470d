import { Conflict } from '@clientele/shared';
import type { ExpectedRevision } from './event-store.port';

/** The stream was not at the revision the writer expected (optimistic concurrency). */
export class WrongExpectedVersion extends Conflict {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision; `'no_stream'` when it does not exist. */
    readonly actual: number | 'no_stream',
  ) {
    super(
      'version_conflict',
      `Stream ${stream} is at revision ${String(actual)}, expected ${String(expected)}.`,
      { stream, expectedRevision: String(expected), actualRevision: String(actual) },
    );
  }
}
