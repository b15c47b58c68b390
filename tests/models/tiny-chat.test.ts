import path from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  TextStreamer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCorpus, tinyChatModelId } from '@pathlens/models';
import { generateTinyModelsInTempDir, tokenizerSourceCases, type TinyModelsInTempDir } from './tiny-model-fixtures.ts';

const maxNewTokens = 120;

interface GenerationResult {
  text: string;
  chunks: string[];
  newTokenIds: number[];
}

for (const source of tokenizerSourceCases) {
  describe.skipIf(source.sharedTokenizersDir === undefined)(`tiny chat model with ${source.name}`, () => {
    let models: TinyModelsInTempDir;
    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    let endTokenIds: number[];

    const generate = async (question: string, options: { do_sample?: boolean } = {}): Promise<GenerationResult> => {
      const prompt = tokenizer.apply_chat_template(
        [
          { role: 'system', content: 'You are a pathology assistant. Cite the evidence regions as [n].' },
          { role: 'user', content: question },
        ],
        { add_generation_prompt: true, tokenize: false },
      ) as string;
      const inputs = tokenizer(prompt, { add_special_tokens: false });
      const chunks: string[] = [];
      const streamer = new TextStreamer(tokenizer, {
        skip_prompt: true,
        skip_special_tokens: true,
        callback_function: (chunk: string) => chunks.push(chunk),
      });
      const output = (await model.generate({
        ...inputs,
        max_new_tokens: maxNewTokens,
        streamer,
        ...options,
      })) as Tensor;
      const promptLength = (inputs.input_ids as Tensor).dims[1]!;
      const newTokenIds = ((output.tolist() as bigint[][])[0] ?? []).slice(promptLength).map(Number);
      return { text: chunks.join(''), chunks, newTokenIds };
    };

    beforeAll(async () => {
      models = await generateTinyModelsInTempDir(source.sharedTokenizersDir!);
      env.allowRemoteModels = false;
      env.localModelPath = models.modelsDir + path.sep;
      tokenizer = await AutoTokenizer.from_pretrained(tinyChatModelId);
      model = await AutoModelForCausalLM.from_pretrained(tinyChatModelId);
      const configured = (model.generation_config as { eos_token_id: number | number[] }).eos_token_id;
      endTokenIds = Array.isArray(configured) ? configured : [configured];
    });
    afterAll(async () => {
      await model?.dispose();
      await models?.remove();
    });

    it('has a chat template that ends with the assistant turn', () => {
      const prompt = tokenizer.apply_chat_template([{ role: 'user', content: 'What is in region 1?' }], {
        add_generation_prompt: true,
        tokenize: false,
      }) as string;
      expect(prompt).toContain('What is in region 1?');
      expect(prompt.trimEnd().endsWith('<|assistant|>')).toBe(true);
    });

    it('streams a cited answer greedily and stops at end of sequence', async () => {
      const result = await generate('What does the highlighted region show?');
      console.info(
        `[tiny chat, ${source.name}] greedy: ${JSON.stringify(result.text)} in ${result.newTokenIds.length} tokens, ${result.chunks.length} chunks`,
      );
      expect(result.chunks.length).toBeGreaterThanOrEqual(3);
      expect(result.text.trim().length).toBeGreaterThan(10);
      expect(result.text).toMatch(/\[[1-4]\]/);
      expect(endTokenIds).toContain(result.newTokenIds.at(-1));
      expect(result.newTokenIds.length).toBeLessThan(maxNewTokens);
      // The corpus is weighted so this is the most likely answer (see answer-corpus.ts).
      expect(result.text.trim()).toBe('The highlighted region [1] shows dense purple nuclei.');
    });

    it('samples varied text made only of corpus tokens', async () => {
      const corpusTokenIds = new Set([
        ...endTokenIds,
        ...answerCorpus.flatMap((answer) => tokenizer.encode(answer, { add_special_tokens: false })),
      ]);
      const texts: string[] = [];
      for (let run = 0; run < 4; run += 1) {
        const result = await generate('Describe the tissue.', { do_sample: true });
        expect(result.text.trim().length).toBeGreaterThan(0);
        for (const id of result.newTokenIds)
          expect(corpusTokenIds.has(id), `token ${id} is not in the corpus`).toBe(true);
        texts.push(result.text);
      }
      console.info(`[tiny chat, ${source.name}] sampled: ${texts.map((text) => JSON.stringify(text)).join(' | ')}`);
    });

    it('follows a fixed greedy path from every token that ends within a sentence', async () => {
      const session = await ort.InferenceSession.create(path.join(models.chatFolder, 'onnx/model.onnx'));
      try {
        const corpusTokenIds = [
          ...new Set(answerCorpus.flatMap((answer) => tokenizer.encode(answer, { add_special_tokens: false }))),
        ];
        const count = corpusTokenIds.length;
        const emptyCache = new ort.Tensor('float32', new Float32Array(0), [count, 1, 0, 8]);
        const output = await session.run({
          input_ids: new ort.Tensor('int64', BigInt64Array.from(corpusTokenIds.map(BigInt)), [count, 1]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(count).fill(1n), [count, 1]),
          position_ids: new ort.Tensor('int64', new BigInt64Array(count), [count, 1]),
          'past_key_values.0.key': emptyCache,
          'past_key_values.0.value': emptyCache,
        });
        const logits = output.logits!.data as Float32Array;
        const vocabularySize = output.logits!.dims[2]!;
        const greedyNext = new Map<number, number>();
        corpusTokenIds.forEach((id, row) => {
          let best = 0;
          for (let column = 1; column < vocabularySize; column += 1)
            if (logits[row * vocabularySize + column]! > logits[row * vocabularySize + best]!) best = column;
          greedyNext.set(id, best);
        });
        for (const start of corpusTokenIds) {
          let token = start;
          let steps = 0;
          while (!endTokenIds.includes(token)) {
            token = greedyNext.get(token)!;
            steps += 1;
            expect(steps, `greedy path from ${tokenizer.decode([start])} does not end`).toBeLessThan(60);
          }
        }
      } finally {
        await session.release();
      }
    });

    it('uses its key/value cache: one step with the cache equals a full pass, and the cache changes the result', async () => {
      const session = await ort.InferenceSession.create(path.join(models.chatFolder, 'onnx/model.onnx'));
      const ids = tokenizer
        .encode('The highlighted region [1] shows dense purple', { add_special_tokens: false })
        .map(BigInt);
      const emptyCache = new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 8]);
      const run = (tokenIds: bigint[], firstPosition: number, pastKey: ort.Tensor, pastValue: ort.Tensor) => {
        const totalLength = firstPosition + tokenIds.length;
        return session.run({
          input_ids: new ort.Tensor('int64', BigInt64Array.from(tokenIds), [1, tokenIds.length]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(totalLength).fill(1n), [1, totalLength]),
          position_ids: new ort.Tensor(
            'int64',
            BigInt64Array.from(tokenIds.map((_, index) => BigInt(firstPosition + index))),
            [1, tokenIds.length],
          ),
          'past_key_values.0.key': pastKey,
          'past_key_values.0.value': pastValue,
        });
      };
      try {
        const full = await run(ids, 0, emptyCache, emptyCache);
        const prefix = await run(ids.slice(0, -1), 0, emptyCache, emptyCache);
        const cachedStep = await run(
          ids.slice(-1),
          ids.length - 1,
          prefix['present.0.key']!,
          prefix['present.0.value']!,
        );
        const keyDims = prefix['present.0.key']!.dims;
        const zeroCache = new ort.Tensor(
          'float32',
          new Float32Array(keyDims.reduce((product, size) => product * size, 1)),
          keyDims,
        );
        const wrongCacheStep = await run(ids.slice(-1), ids.length - 1, zeroCache, zeroCache);

        const vocabularySize = full.logits!.dims[2]!;
        const lastFull = (full.logits!.data as Float32Array).subarray((ids.length - 1) * vocabularySize);
        const cached = cachedStep.logits!.data as Float32Array;
        const wrong = wrongCacheStep.logits!.data as Float32Array;
        expect(cachedStep['present.0.key']!.dims).toEqual([1, 1, ids.length, 8]);
        let largestCacheEffect = 0;
        for (const id of ids) {
          const index = Number(id);
          expect(cached[index]).toBeCloseTo(lastFull[index]!, 4);
          largestCacheEffect = Math.max(largestCacheEffect, Math.abs(cached[index]! - wrong[index]!));
        }
        expect(largestCacheEffect).toBeGreaterThan(1e-4);
        // Small enough that the bigram ranking stands.
        expect(largestCacheEffect).toBeLessThan(0.5);
      } finally {
        await session.release();
      }
    });
  });
}
