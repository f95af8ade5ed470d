import {
  formatCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type EventStore,
} from '@clientele/eventstore';
import { InvalidInput } from '@clientele/shared';
import { toFeedItem, type FeedItem } from './public-events';

export interface FeedPage {
  items: FeedItem[];
  /** Where to resume: pass it back as `after`. Null only while the log has nothing yet. */
  nextCursor: string | null;
}

/** At most this many events of the whole log are read per request, whatever the studio's share. */
export const FEED_SCAN_LIMIT = 2_000;
const BATCH = 500;

export function parseFeedCursor(after: string | undefined): Checkpoint | null {
  try {
    return parseCheckpoint(after);
  } catch {
    throw new InvalidInput('The cursor is not one the feed gave.', [
      { field: 'after', message: 'must be a nextCursor of the feed' },
    ]);
  }
}

/**
 * The studio's public events after `after`, in the log's order (the event store's reader rule:
 * never past a transaction still open). Another studio's events and internal ones are skipped,
 * but the cursor moves past them, so a studio with few events in a busy log gets an empty page
 * with a cursor that moved on rather than a request that scans without end.
 */
export async function readFeed(
  store: EventStore,
  query: { studioId: string; after: string | undefined; limit: number; scanLimit?: number },
): Promise<FeedPage> {
  let position = parseFeedCursor(query.after);
  const scanLimit = query.scanLimit ?? FEED_SCAN_LIMIT;
  const items: FeedItem[] = [];
  let scanned = 0;
  while (items.length < query.limit && scanned < scanLimit) {
    const want = Math.min(BATCH, scanLimit - scanned);
    const batch = await store.readAll({ from: position, limit: want });
    for (const event of batch) {
      scanned++;
      position = event.checkpoint;
      if (event.metadata.studioId !== query.studioId) continue;
      const item = toFeedItem(event);
      if (item) items.push(item);
      if (items.length === query.limit) break;
    }
    // A short batch is the end of what can be read now.
    if (batch.length < want) break;
  }
  return { items, nextCursor: position ? formatCheckpoint(position) : null };
}
