import { describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { GenerationQueue } from '@pathlens/language-model';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GenerationQueue', () => {
  it('grants turns one at a time, first come first served', async () => {
    const queue = new GenerationQueue({ concurrency: 1, maxWaiting: 8 });
    const order: number[] = [];
    const places = [0, 1, 2, 3].map((index) => {
      const place = queue.join();
      void place.ready.then(() => order.push(index));
      return place;
    });
    await settle();
    expect(order).toEqual([0]);
    expect(queue.stats()).toMatchObject({ running: 1, waiting: 3 });
    for (const place of places) {
      place.leave();
      await settle();
    }
    expect(order).toEqual([0, 1, 2, 3]);
    expect(queue.stats()).toMatchObject({ running: 0, waiting: 0, peakRunning: 1, started: 4 });
  });

  it('refuses at once with queue_full and a retry-after estimate when the line is full', () => {
    const queue = new GenerationQueue({ concurrency: 1, maxWaiting: 2 });
    queue.join();
    queue.join();
    queue.join();
    let refused: unknown;
    try {
      queue.join();
    } catch (error) {
      refused = error;
    }
    expect(PathLensError.is(refused, 'queue_full')).toBe(true);
    expect((refused as PathLensError).details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((refused as PathLensError).message).toContain('CHAT_QUEUE_SIZE');
    expect(queue.stats()).toMatchObject({ running: 1, waiting: 2, rejected: 1 });
  });

  it('lets a waiting request leave when its client disconnects, and the next one moves up', async () => {
    const queue = new GenerationQueue({ concurrency: 1, maxWaiting: 2 });
    const running = queue.join();
    const disconnect = new AbortController();
    const leaving = queue.join(disconnect.signal);
    const next = queue.join();
    disconnect.abort(new Error('client went away'));
    await expect(leaving.ready).rejects.toThrow('client went away');
    expect(queue.stats()).toMatchObject({ waiting: 1, abandoned: 1 });
    running.leave();
    await expect(next.ready).resolves.toBeUndefined();
    expect(queue.stats()).toMatchObject({ running: 1, waiting: 0 });
    next.leave();
    next.leave(); // idempotent
    expect(queue.stats().running).toBe(0);
  });

  it('runs up to `concurrency` at once for an upstream server', async () => {
    const queue = new GenerationQueue({ concurrency: 3, maxWaiting: 0 });
    const places = [queue.join(), queue.join(), queue.join()];
    expect(() => queue.join()).toThrow(PathLensError);
    await Promise.all(places.map((place) => place.ready));
    expect(queue.stats()).toMatchObject({ running: 3, peakRunning: 3 });
  });
});
