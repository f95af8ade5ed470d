export interface BatcherOptions<Item, Result> {
  /**
   * Sends one batch and settles each item, in the order given. A throw settles every item of
   * the batch with that error.
   */
  send(items: Item[]): Promise<PromiseSettledResult<Result>[]>;
  /** Batches out at once; items submitted while that many are out wait and leave together. */
  maxInFlight: number;
  /** Items in one batch at most. */
  maxBatch: number;
  /** Items with the same key never share a batch (one statement cannot write a row twice). */
  keyOf?(item: Item): string;
}

interface Queued<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Combines concurrent statements into one round trip. Each round trip to PostgreSQL costs both
 * processes a system call, a wake-up and a commit; under load those dominate the work itself.
 * While fewer than `maxInFlight` batches are out an item leaves at once, alone, so an idle
 * system pays no wait; past that, items queue behind the statements out and leave together.
 */
export class Batcher<Item, Result> {
  private queue: Queued<Item, Result>[] = [];
  private inFlight = 0;

  constructor(private readonly options: BatcherOptions<Item, Result>) {}

  submit(item: Item): Promise<Result> {
    return this.submitAll([item])[0]!;
  }

  /** Items one caller has together are queued together, so they leave in as few batches as fit. */
  submitAll(items: readonly Item[]): Promise<Result>[] {
    const results = items.map(
      (item) =>
        new Promise<Result>((resolve, reject) => this.queue.push({ item, resolve, reject })),
    );
    this.pump();
    return results;
  }

  private pump(): void {
    const { maxInFlight, maxBatch, keyOf } = this.options;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      let batch: Queued<Item, Result>[];
      if (!keyOf) {
        batch = this.queue.splice(0, maxBatch);
      } else {
        batch = [];
        const keys = new Set<string>();
        const waiting: Queued<Item, Result>[] = [];
        for (const queued of this.queue) {
          const key = keyOf(queued.item);
          if (batch.length < maxBatch && !keys.has(key)) {
            batch.push(queued);
            keys.add(key);
          } else waiting.push(queued);
        }
        this.queue = waiting;
      }
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: Queued<Item, Result>[]): Promise<void> {
    let outcomes: PromiseSettledResult<Result>[];
    try {
      outcomes = await this.options.send(batch.map((queued) => queued.item));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (!outcome) queued.reject(new Error('The batch answered fewer items than it was sent.'));
      else if (outcome.status === 'fulfilled') queued.resolve(outcome.value);
      else queued.reject(outcome.reason);
    });
  }
}

/** Settles a whole batch from one function per item (for `send`). */
export function settleEach<Item, Result>(
  items: Item[],
  settle: (item: Item, index: number) => Promise<Result> | Result,
): Promise<PromiseSettledResult<Result>[]> {
  return Promise.allSettled(items.map(async (item, index) => settle(item, index)));
}
