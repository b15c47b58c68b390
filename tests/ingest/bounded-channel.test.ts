import { describe, expect, it } from 'vitest';
import { BoundedChannel } from '../../packages/ingest/src/bounded-channel.ts';

describe('BoundedChannel', () => {
  it('lets the producer run at most `capacity` items ahead, and delivers all in order', async () => {
    const channel = new BoundedChannel<number>(2);
    let sent = 0;
    const producing = (async () => {
      for (let index = 0; index < 6; index++) {
        await channel.send(index);
        sent++;
      }
      channel.close();
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toBe(2); // blocked: nobody has received yet
    const received: number[] = [];
    for (let item = await channel.receive(); item !== undefined; item = await channel.receive()) received.push(item);
    await producing;
    expect(received).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
