import { Batcher, settleEach } from './batcher';

/** A `send` whose batches stay out until the test lets them go. */
function gatedSend() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const send = async (items: string[]) => {
    batches.push(items);
    await new Promise<void>((release) => gates.push(release));
    return settleEach(items, (item) => {
      if (item.startsWith('bad')) throw new Error(`refused ${item}`);
      return item.toUpperCase();
    });
  };
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, send, releaseAll };
}

describe('Batcher', () => {
  it('sends at once while under maxInFlight, and combines what queues behind', async () => {
    const { batches, send, releaseAll } = gatedSend();
    const batcher = new Batcher({ send, maxInFlight: 1, maxBatch: 10 });
    const results = ['a', 'b', 'c', 'd'].map((item) => batcher.submit(item));
    expect(batches).toEqual([['a']]);
    await releaseAll();
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('sends items submitted together in one batch, even with none out', async () => {
    const { batches, send, releaseAll } = gatedSend();
    const batcher = new Batcher({ send, maxInFlight: 4, maxBatch: 3 });
    const results = batcher.submitAll(['a', 'b', 'c', 'd']);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
    await releaseAll();
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('settles each item with its own outcome', async () => {
    const { send, releaseAll } = gatedSend();
    const batcher = new Batcher({ send, maxInFlight: 1, maxBatch: 10 });
    const outcomes = Promise.allSettled(['x', 'bad1', 'y'].map((item) => batcher.submit(item)));
    await releaseAll();
    await releaseAll();
    const settled = await outcomes;
    expect(settled.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      'X',
      'Error: refused bad1',
      'Y',
    ]);
  });

  it('keeps items with the same key in separate batches, and respects maxBatch', async () => {
    const { batches, send, releaseAll } = gatedSend();
    const batcher = new Batcher({
      send,
      maxInFlight: 1,
      maxBatch: 2,
      keyOf: (item: string) => item[0]!,
    });
    const results = ['first', 'a1', 'a2', 'b1', 'c1'].map((item) => batcher.submit(item));
    await releaseAll();
    await releaseAll();
    await releaseAll();
    await Promise.all(results);
    expect(batches).toEqual([['first'], ['a1', 'b1'], ['a2', 'c1']]);
  });

  it('rejects every item of a batch whose send throws, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<string, string>({
      maxInFlight: 1,
      maxBatch: 10,
      send: async (items) => {
        calls++;
        if (calls === 1) throw new Error('connection lost');
        return items.map((item) => ({ status: 'fulfilled', value: item }));
      },
    });
    const first = batcher.submit('a');
    const second = batcher.submit('b');
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).resolves.toBe('b');
  });

  it('rejects items a batch left unanswered instead of leaving them pending', async () => {
    const batcher = new Batcher<string, string>({
      maxInFlight: 1,
      maxBatch: 10,
      send: async () => [],
    });
    await expect(batcher.submit('a')).rejects.toThrow(/fewer items/);
  });
});
