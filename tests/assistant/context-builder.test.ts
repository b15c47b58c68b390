import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  describeEvidence,
  fitEvidence,
  gatherEvidence,
  labelSetFindings,
  loadReportTemplates,
  startChat,
  type EvidenceItem,
  type GatheredEvidence,
} from '@pathlens/assistant';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder, decodeImage } from '@pathlens/encoders';
import { ingestSlide, registerSlide } from '@pathlens/ingest';
import { TransformersLanguageModel } from '@pathlens/language-model';
import { LabelSetCatalog } from '@pathlens/retrieval';
import { openStore, type SlideRow, type Store } from '@pathlens/store';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

describe.skipIf(!realSvs)('the context builder on the real ingested SVS (CMU-1-Small-Region)', () => {
  let directory: string;
  let store: Store;
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  let languageModel: TransformersLanguageModel;
  let slide: SlideRow;
  let sources: Parameters<typeof gatherEvidence>[0];
  let templates: Awaited<ReturnType<typeof loadReportTemplates>>;
  let gathered: GatheredEvidence;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-context-'));
    const modelsDir = inject('modelsDir');
    store = await openStore({ dataDir: path.join(directory, 'data') });
    [imageEncoder, textEncoder, languageModel, templates] = await Promise.all([
      ClipImageEncoder.load({ modelsDir, modelId: 'pathlens/tiny-clip' }),
      ClipTextEncoder.load({ modelsDir, modelId: 'pathlens/tiny-clip' }),
      TransformersLanguageModel.load({ modelsDir, modelId: 'pathlens/tiny-chat', demo: true }),
      loadReportTemplates(),
    ]);
    const registered = await registerSlide(store, {
      filePath: realSvs!,
      encoderId: imageEncoder.modelId,
      inputSizePx: 224,
      targetMpp: 0.5,
      metadata: { stain: 'H&E', organ: 'skin' },
    });
    await ingestSlide({ store, imageEncoder, logger: silentLogger }, registered.slide, {
      minTissueFraction: 0.25,
      batchSize: 32,
    });
    slide = (await store.slides.findById(registered.slide.id))!;
    // A small library: two captioned images and one caption without an image.
    const library = [
      { colour: stainColours.hematoxylin, caption: 'Sheets of lymphocytes with dark purple nuclei.' },
      { colour: stainColours.eosin, caption: 'Pink collagen-rich stroma.' },
      { colour: null, caption: 'Mature adipose tissue with clear fat cells.' },
    ];
    for (const [index, entry] of library.entries()) {
      const [captionEmbedding] = await textEncoder.embedTexts([entry.caption]);
      const imageEmbedding = entry.colour
        ? (await imageEncoder.embedImages([await decodeImage(await stainPatchPng(entry.colour, index + 1))]))[0]!
        : null;
      await store.pairs.insert({
        imageRef: entry.colour ? `library/${index}.png` : null,
        contentSha256: createHash('sha256').update(entry.caption).digest('hex'),
        caption: entry.caption,
        source: 'test',
        imageEmbedding: imageEmbedding ? Array.from(imageEmbedding) : null,
        captionEmbedding: Array.from(captionEmbedding!),
      });
    }
    const labelSets = await LabelSetCatalog.load();
    sources = { store, textEncoder, findings: labelSetFindings({ labelSets, textEncoder, defaultLogitScale: 100 }) };
    gathered = await gatherEvidence(
      sources,
      'Where are the purple nuclei?',
      slide,
      undefined,
      templates.get('skin')!.finding_label_sets,
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all([imageEncoder?.dispose(), textEncoder?.dispose(), languageModel?.dispose()]);
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const ofKind = <Kind extends EvidenceItem['kind']>(kind: Kind) =>
    gathered.items.filter((item): item is Extract<EvidenceItem, { kind: Kind }> => item.kind === kind);

  it('gathers every kind of evidence the slide and the library offer', () => {
    expect(new Set(gathered.items.map((item) => item.kind))).toEqual(
      new Set(['slide-facts', 'finding', 'patch', 'prototype', 'pair']),
    );
    const [facts] = ofKind('slide-facts');
    expect(facts).toMatchObject({
      id: slide.id,
      organ: 'skin',
      stain: 'H&E',
      widthPx: 2220,
      heightPx: 2967,
      patchCount: slide.patchCount,
    });
    expect(facts!.mppX).toBeCloseTo(0.499, 3);
    const patchSideMm = (slide.patchSizeLevel0Px * slide.mppX!) / 1000;
    expect(facts!.tissueAreaMm2).toBeCloseTo(slide.patchCount * patchSideMm * patchSideMm, 2);
  });

  it('gives every region level-0 coordinates inside the slide, a crop URL and its nearest library captions', async () => {
    const regions = [...ofKind('patch'), ...ofKind('prototype')];
    expect(ofKind('patch')).toHaveLength(6);
    expect(ofKind('prototype').length).toBeGreaterThan(0);
    for (const region of regions) {
      expect(region.slideId).toBe(slide.id);
      expect(region.xLevel0).toBeGreaterThanOrEqual(0);
      expect(region.xLevel0!).toBeLessThan(slide.widthPx);
      expect(region.yLevel0!).toBeLessThan(slide.heightPx);
      expect(region.thumbnailUrl).toBe(
        `/v1/slides/${slide.id}/region.jpg?x=${region.xLevel0}&y=${region.yLevel0}&size=${region.sizeLevel0Px}`,
      );
      expect(region.captions).toHaveLength(2);
    }
    // The first patch is a stored row of this slide at the stated position.
    const best = ofKind('patch')[0]!;
    const stored = await store.search.patchEmbedding(Number(best.id));
    expect(stored?.slideId).toBe(slide.id);
    // Patches come strongest first; the purple caption is the library image nearest to the question.
    const scores = ofKind('patch').map((patch) => patch.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(ofKind('pair').find((pair) => pair.matchedBy === 'image')?.caption).toBe(
      'Sheets of lymphocytes with dark purple nuclei.',
    );
    expect(ofKind('pair').some((pair) => pair.imageRef === null)).toBe(true); // text-only captions are found by caption
  });

  it('reads out zero-shot findings of the organ’s label sets with probabilities', () => {
    const findings = ofKind('finding');
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((finding) => finding.labelSetId))).toEqual(new Set(['tissue-components']));
    for (const finding of findings) expect(finding.probability).toBeGreaterThanOrEqual(0);
    expect(findings.reduce((sum, finding) => sum + finding.probability, 0)).toBeLessThanOrEqual(1.000001);
  });

  it('numbers the evidence 1…n, most relevant first', () => {
    expect(gathered.items.map((item) => item.n)).toEqual(gathered.items.map((_, index) => index + 1));
    const relevance = gathered.items.map((item) => item.relevance);
    expect(relevance).toEqual([...relevance].sort((a, b) => b - a));
    expect(gathered.items[0]!.kind).toBe('patch');
    expect(gathered.bestQuestionSimilarity).toBeGreaterThan(0.5);
  });

  it('fits the evidence into a budget with the model’s own tokenizer, dropping the weakest first', () => {
    const cost = (item: EvidenceItem) => languageModel.countTokens(describeEvidence(item)) + 1;
    const total = gathered.items.reduce((sum, item) => sum + cost(item), 0);
    const budget = Math.floor(total / 2);
    const fitted = fitEvidence(gathered.items, describeEvidence, (text) => languageModel.countTokens(text), budget);
    expect(fitted.length).toBeLessThan(gathered.items.length);
    expect(fitted.reduce((sum, item) => sum + cost(item), 0)).toBeLessThanOrEqual(budget);
    const keptIds = new Set(fitted.map((item) => `${item.kind}:${item.id}`));
    for (const strongest of gathered.items.slice(0, 3))
      expect(keptIds.has(`${strongest.kind}:${strongest.id}`)).toBe(true);
    expect(keptIds.has(`${gathered.items.at(-1)!.kind}:${gathered.items.at(-1)!.id}`)).toBe(false);
    expect(fitted.map((item) => item.n)).toEqual(fitted.map((_, index) => index + 1));
  });

  it('declines instead of guessing when no evidence reaches the similarity floor', async () => {
    const chat = await startChat(
      { ...sources, languageModel, templates, minSimilarity: 0.1, minCaptionSimilarity: 0.8 },
      {
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
        slideId: slide.id,
        maxNewTokens: 40,
        temperature: 0,
      },
    );
    expect(chat.supported).toBe(false);
    let answer = '';
    for await (const event of chat.events) if (event.type === 'text') answer += event.text;
    expect(answer).toMatch(/^The available evidence does not support an answer/);
    expect(answer).toContain('not a diagnosis');
    expect(languageModel.queue.stats().started).toBe(0); // the model never ran
  });

  it('answers a related question, and a follow-up keeps the evidence numbers its first answer cited', async () => {
    const dependencies = { ...sources, languageModel, templates, minSimilarity: 0.1, minCaptionSimilarity: 0.8 };
    const first = await startChat(dependencies, {
      messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
      slideId: slide.id,
      maxNewTokens: 40,
      temperature: 0,
    });
    expect(first.supported).toBe(true);
    let answer = '';
    for await (const event of first.events) if (event.type === 'text') answer += event.text;
    const { citations } = await first.complete(answer);
    expect(citations.length).toBeGreaterThan(0);
    expect(citations.every((citation) => citation.supported)).toBe(true);

    const followUp = await startChat(dependencies, {
      messages: [
        { role: 'user', content: 'Where are the purple nuclei?' },
        { role: 'assistant', content: answer },
        { role: 'user', content: 'Is there pink stroma?' },
      ],
      conversationId: first.conversationId,
      maxNewTokens: 40,
      temperature: 0,
    });
    expect(followUp.slideId).toBe(slide.id); // the conversation's slide
    const earlier = first.evidence.map((item) => [item.n, item.kind, item.id]);
    expect(followUp.evidence.slice(0, earlier.length).map((item) => [item.n, item.kind, item.id])).toEqual(earlier);
    for await (const event of followUp.events) void event;
  });
});
