import { describe, expect, it } from 'vitest';
import { mapInOrder } from '@pathlens/ingest';

/** A call that resolves after `delayMs`, recording how many calls were in flight at once. */
function tracked() {
  const state = { inFlight: 0, mostInFlight: 0, started: [] as number[] };
  const call = async (value: number, delayMs: number) => {
    state.started.push(value);
    state.inFlight += 1;
    state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    state.inFlight -= 1;
    if (value < 0) throw new Error(`bad item ${value}`);
    return value * 10;
  };
  return { state, call };
}

describe('mapInOrder (read-ahead for the tiling loop)', () => {
  it('yields results in input order, with at most `concurrency` calls in flight', async () => {
    const { state, call } = tracked();
    const delays = [30, 5, 20, 1, 15, 2, 8, 1];
    const results: number[] = [];
    for await (const result of mapInOrder(delays.keys(), 3, (index) => call(index, delays[index]!)))
      results.push(result);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(state.mostInFlight).toBe(3);
  });

  it('surfaces a failure when its turn comes, after the results before it', async () => {
    const { call } = tracked();
    const results: number[] = [];
    await expect(async () => {
      for await (const result of mapInOrder([1, 2, -3, 4], 2, (value) => call(value, 5))) results.push(result);
    }).rejects.toThrow('bad item -3');
    expect(results).toEqual([10, 20]);
  });

  it('stops starting calls when the consumer stops', async () => {
    const { state, call } = tracked();
    for await (const result of mapInOrder([1, 2, 3, 4, 5, 6, 7, 8], 2, (value) => call(value, 1))) {
      if (result === 20) break;
    }
    expect(state.started.length).toBeLessThanOrEqual(4);
  });
});
