import type { GenerationEvent } from '@pathlens/language-model';

/** Drain a model's stream: the text pieces in order, the whole text, and the finish event. */
export async function collectGeneration(events: AsyncIterable<GenerationEvent>) {
  const texts: string[] = [];
  let finish: Extract<GenerationEvent, { type: 'finish' }> | undefined;
  for await (const event of events) {
    if (event.type === 'text') texts.push(event.text);
    else finish = event;
  }
  return { texts, text: texts.join(''), finish: finish! };
}
