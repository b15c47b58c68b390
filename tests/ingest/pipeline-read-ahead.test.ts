import { describe, expect, it } from 'vitest';
import { mapInOrder, readAhead } from '@pathlens/ingest';

const tick = (delayMs = 1) => new Promise((resolve) => setTimeout(resolve, delayMs));

/** A producer of `count` numbers that records how far ahead of the consumer it got, and whether it was told to stop. */
function countingProducer(count: number, options: { failAt?: number } = {}) {
  const state = { made: 0, stopSeen: false, finished: false };
  const produce = async function* (stop: AbortSignal): AsyncGenerator<number, void, undefined> {
    try {
      for (let value = 0; value < count; value++) {
        if (stop.aborted) {
          state.stopSeen = true;
          return;
        }
        await tick();
        if (value === options.failAt) throw new Error(`cannot make ${value}`);
        state.made += 1;
        yield value;
      }
    } finally {
      await tick(5); // cleanup that takes a while (closing a slide): the consumer must wait for it
      state.finished = true;
    }
  };
  return { state, produce };
}

describe('readAhead (reading runs ahead of the encoder)', () => {
  it('yields everything in order, never more than `capacity` items ahead of the consumer', async () => {
    const { state, produce } = countingProducer(20);
    const consumed: number[] = [];
    let mostAhead = 0;
    for await (const value of readAhead(produce, 3)) {
      await tick(3); // the consumer (encoder) is slower than the producer
      mostAhead = Math.max(mostAhead, state.made - consumed.length - 1);
      consumed.push(value);
    }
    expect(consumed).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(mostAhead).toBeGreaterThan(0); // it did run ahead
    expect(mostAhead).toBeLessThanOrEqual(3);
    expect(state.finished).toBe(true);
  });

  it('surfaces a producer failure after the items made before it', async () => {
    const { produce } = countingProducer(10, { failAt: 4 });
    const consumed: number[] = [];
    await expect(async () => {
      for await (const value of readAhead(produce, 2)) consumed.push(value);
    }).rejects.toThrow('cannot make 4');
    expect(consumed).toEqual([0, 1, 2, 3]);
  });

  it('tells the producer to stop when the consumer leaves, and waits for it to finish', async () => {
    const { state, produce } = countingProducer(1000);
    await expect(async () => {
      for await (const value of readAhead(produce, 2)) {
        if (value === 3) throw new Error('encoder failed');
      }
    }).rejects.toThrow('encoder failed');
    expect(state.stopSeen).toBe(true);
    expect(state.finished).toBe(true); // its cleanup ran before the loop let go
    expect(state.made).toBeLessThanOrEqual(4 + 2);
  });
});

describe('mapInOrder when the consumer stops early', () => {
  it('waits for the calls in flight before the loop lets go', async () => {
    const settled: number[] = [];
    for await (const value of mapInOrder([1, 2, 3, 4, 5, 6], 3, async (value) => {
      await tick(value === 1 ? 1 : 10);
      settled.push(value);
      return value;
    })) {
      if (value === 1) break;
    }
    // 2, 3 were in flight at the break, 4 started as 1 was handed over; none left running
    expect(settled.sort()).toEqual([1, 2, 3, 4]);
  });
});
