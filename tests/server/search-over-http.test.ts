import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slides } from '@pathlens/store';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { componentPatchPng, type TissueComponent } from '../retrieval/stain-class-fixtures.ts';

type Hit = Record<string, any> & { kind: string; id: string; score: number; rank: number };
type Page = {
  data: Hit[];
  next_offset: number | null;
  offset: number;
  k: number;
  direction: string;
  search_mode: string;
};

describe('search, heatmaps and zero-shot over HTTP', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let directory: string;
  const slideIds: Record<'twoStain' | 'purple' | 'pink', string> = { twoStain: '', purple: '', pink: '' };
  const pairIds: Record<string, string> = {};
  let textOnlyPairId: string;

  const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
  const getJson = async (url: string) => {
    const response = await fetch(baseUrl + url);
    expect(response.status, `${url}: ${response.status}`).toBe(200);
    return (await response.json()) as Page & Record<string, any>;
  };
  const postJson = async (url: string, body: unknown) => {
    const response = await fetch(baseUrl + url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${url}: ${response.status}`).toBe(200);
    return (await response.json()) as Page & Record<string, any>;
  };
  const postForm = async (url: string, png: Buffer, fields: Record<string, string>) => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)]), 'query.png');
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    const response = await fetch(baseUrl + url, { method: 'POST', body: form });
    expect(response.status, `${url}: ${response.status}`).toBe(200);
    return (await response.json()) as Page & Record<string, any>;
  };
  const ingest = async (file: string) => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(file)))]),
      path.basename(file),
    );
    // PNGs carry no pixel size: tile them at level 0 (224-px patches, the tiny CLIP's input).
    form.append('tile_at_level0', 'true');
    const response = await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
    expect(response.status, await response.clone().text()).toBe(202);
    const queued = (await response.json()) as { id: string };
    const slide = await waitForSlide(baseUrl, queued.id);
    expect(slide.status).toBe('ready');
    return queued.id;
  };
  const solidSlide = async (name: string, colour: readonly number[]) => {
    const file = path.join(directory, name);
    await sharp(await componentPatchPngOfColour(colour))
      .resize(448, 448)
      .png()
      .toFile(file);
    return file;
  };
  const componentPatchPngOfColour = (colour: readonly number[]) =>
    sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: colour[0]!, g: colour[1]!, b: colour[2]! } },
    })
      .png()
      .toBuffer();

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-search-http-'));
    const userLabelSets = path.join(directory, 'label-sets');
    await import('node:fs/promises').then((fs) => fs.mkdir(userLabelSets));
    await writeFile(
      path.join(userLabelSets, 'purple-or-pink.json'),
      JSON.stringify({
        id: 'purple-or-pink',
        name: 'Purple or pink',
        templates: ['{class}'],
        classes: [
          { id: 'purple', name: 'purple nuclei' },
          { id: 'pink', name: 'pink stroma' },
        ],
      }),
    );
    test = await startTestServer({ labelSetsDir: userLabelSets });
    baseUrl = test.server.url;

    await writeTwoStainSlide(path.join(directory, 'two-stain.png'));
    slideIds.twoStain = await ingest(path.join(directory, 'two-stain.png'));
    slideIds.purple = await ingest(await solidSlide('purple.png', [89, 64, 153]));
    slideIds.pink = await ingest(await solidSlide('pink.png', [230, 140, 191]));
    const runtime = test.server.holder.runtime!;
    for (const [key, organ] of [
      ['twoStain', 'colon'],
      ['purple', 'colon'],
      ['pink', 'breast'],
    ] as const) {
      await runtime.store.handle.db
        .update(slides)
        .set({ metadata: { organ, stain: 'H&E' } })
        .where(eq(slides.id, slideIds[key]));
    }

    const library: [TissueComponent, string, Record<string, string>, string][] = [
      ['cellular', 'sheets of purple nuclei', { organ: 'colon', stain: 'H&E' }, 'teaching'],
      ['stroma', 'pink collagen in fibrous stroma', { organ: 'breast', stain: 'H&E' }, 'atlas'],
      ['blood', 'red blood cells in a haemorrhage', { organ: 'colon', stain: 'H&E' }, 'atlas'],
      ['adipose', 'mature adipose tissue with fat', { organ: 'breast', stain: 'H&E' }, 'teaching'],
    ];
    for (const [component, caption, metadata, source] of library) {
      const response = await fetch(`${baseUrl}/v1/pairs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: dataUrl(await componentPatchPng(component, 0)), caption, metadata, source }),
      });
      expect(response.status).toBe(201);
      pairIds[component] = ((await response.json()) as { id: string }).id;
    }
    // A caption imported without its image, as the library importer stores text-only rows.
    const [captionEmbedding] = await runtime.textEncoder.embedTexts(['hyperchromatic tumour nuclei']);
    const stored = await runtime.store.pairs.insert({
      imageRef: null,
      contentSha256: 'text-only-1',
      caption: 'hyperchromatic tumour nuclei',
      source: 'peir',
      metadata: { organ: 'colon' },
      imageEmbedding: null,
      captionEmbedding: Array.from(captionEmbedding!),
    });
    textOnlyPairId = stored.pair.id;
  }, 240_000);
  afterAll(async () => {
    await test?.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  describe('text → image', () => {
    it('ranks purple patches and the purple library image first for "purple nuclei", by GET and POST', async () => {
      for (const page of [
        await getJson('/v1/search?q=purple%20nuclei&k=5'),
        await postJson('/v1/search', { q: 'purple nuclei', k: 5 }),
      ]) {
        expect(page.direction).toBe('text-to-image');
        expect(page.data).toHaveLength(5);
        expect(page.data.map((hit) => hit.rank)).toEqual([1, 2, 3, 4, 5]);
        for (const hit of page.data) {
          if (hit.kind === 'patch') expect(hit.slide_id === slideIds.purple || hit.x_level0 < 896).toBe(true);
          else expect(hit.id).toBe(pairIds.cellular);
        }
        expect(page.data.map((hit) => hit.score)).toEqual(
          [...page.data.map((hit) => hit.score)].sort((left, right) => right - left),
        );
      }
      const pairs = await getJson('/v1/search?q=red%20blood&kind=pair&k=2');
      expect(pairs.data[0]).toMatchObject({ kind: 'pair', id: pairIds.blood, matched: 'image', has_image: true });
      // text-only entries have no image: never a text → image result
      expect(
        (await getJson('/v1/search?q=hyperchromatic%20tumour%20nuclei&kind=pair&k=10')).data.map((hit) => hit.id),
      ).not.toContain(textOnlyPairId);
    });

    it('serves a result’s picture for the gallery; a text-only entry’s is a 404 that says why', async () => {
      const picture = await fetch(`${baseUrl}/v1/pairs/${pairIds.blood}/image`);
      expect(picture.status).toBe(200);
      expect(picture.headers.get('content-type')).toBe('image/png');
      const served = Buffer.from(await picture.arrayBuffer());
      expect(served.equals(await componentPatchPng('blood', 0))).toBe(true); // the bytes it was added with
      for (const [id, message] of [
        [textOnlyPairId, /caption without a picture/],
        ['00000000-0000-4000-8000-000000000000', /No library pair/],
        ['not-an-id', /No library pair/],
      ] as const) {
        const missing = await fetch(`${baseUrl}/v1/pairs/${id}/image`);
        expect(missing.status).toBe(404);
        const { error } = (await missing.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('not_found');
        expect(error.message).toMatch(message);
      }
    });

    it('pages through one slide without repeats, and exact / rerank agree with the index', async () => {
      const seen: Hit[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page: Page = await getJson(
          `/v1/search?q=purple%20nuclei&slide_id=${slideIds.twoStain}&k=5&offset=${offset}`,
        );
        seen.push(...page.data);
        offset = page.next_offset;
      }
      expect(seen).toHaveLength(24);
      expect(new Set(seen.map((hit) => hit.id)).size).toBe(24);
      expect(seen.map((hit) => hit.rank)).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
      // the 12 left-half (purple) patches come before every right-half one
      expect(seen.slice(0, 12).every((hit) => hit.x_level0 < 896)).toBe(true);
      const approximate = await getJson('/v1/search?q=pink%20stroma&kind=pair&k=4');
      for (const mode of ['exact', 'rerank']) {
        const page = await getJson(`/v1/search?q=pink%20stroma&kind=pair&k=4&${mode}=true`);
        expect(page.search_mode).toBe(mode);
        expect(page.data.map((hit) => hit.id)).toEqual(approximate.data.map((hit) => hit.id));
      }
    });

    it('filters by source, organ, stain and any metadata key, on pairs and (through their slide) on patches', async () => {
      const colon = await getJson('/v1/search?q=nuclei&kind=pair&organ=colon&k=10');
      expect(colon.data.map((hit) => hit.id).sort()).toEqual([pairIds.cellular, pairIds.blood].sort());
      expect(colon.query.filters).toEqual({ organ: 'colon' });
      const atlas = await getJson('/v1/search?q=nuclei&kind=pair&source=atlas&organ=BREAST&k=10');
      expect(atlas.data.map((hit) => hit.id)).toEqual([pairIds.stroma]);
      expect((await getJson('/v1/search?q=nuclei&kind=pair&metadata.stain=h%26e&k=10')).data).toHaveLength(4);
      expect((await getJson('/v1/search?q=nuclei&kind=pair&stain=PAS&k=10')).data).toEqual([]);
      const breastPatches = await getJson('/v1/search?q=nuclei&kind=patch&organ=breast&k=100');
      expect(breastPatches.data.length).toBeGreaterThan(0);
      expect(breastPatches.data.every((hit) => hit.slide_id === slideIds.pink)).toBe(true);
    });
  });

  describe('image → text and image → image', () => {
    it('finds captions for an uploaded image (multipart and data URL), text-only entries included', async () => {
      const purple = await componentPatchPng('cellular', 3);
      for (const page of [
        await postForm('/v1/search/image', purple, { k: '5' }),
        await postJson('/v1/search/image', { image: dataUrl(purple), k: 5 }),
      ]) {
        expect(page.direction).toBe('image-to-text');
        expect(
          page.data
            .slice(0, 2)
            .map((hit) => hit.id)
            .sort(),
        ).toEqual([pairIds.cellular, textOnlyPairId].sort());
        expect(page.data.every((hit) => hit.kind === 'pair' && hit.matched === 'caption')).toBe(true);
        expect(page.data.find((hit) => hit.id === textOnlyPairId)).toMatchObject({
          has_image: false,
          caption: 'hyperchromatic tumour nuclei',
        });
      }
      // by reference: a stored pair's image, and a stored patch
      expect((await postJson('/v1/search/image', { pair_id: pairIds.blood, k: 1 })).data[0]!.id).toBe(pairIds.blood);
      const leftPatch = (await getJson(`/v1/search?q=purple%20nuclei&slide_id=${slideIds.twoStain}&k=1`)).data[0]!;
      const fromPatch = await postJson('/v1/search/image', { patch_id: leftPatch.id, k: 2 });
      expect(fromPatch.query).toEqual({ patch_id: leftPatch.id });
      expect(fromPatch.data.map((hit) => hit.id).sort()).toEqual([pairIds.cellular, textOnlyPairId].sort());
    });

    it('finds similar images and patches, leaving the query patch or pair out', async () => {
      const leftPatch = (await getJson(`/v1/search?q=purple%20nuclei&slide_id=${slideIds.twoStain}&k=1`)).data[0]!;
      const similar = await postJson('/v1/search/image', { patch_id: leftPatch.id, target: 'images', k: 10 });
      expect(similar.direction).toBe('image-to-image');
      expect(similar.data.map((hit) => hit.id)).not.toContain(leftPatch.id);
      for (const hit of similar.data) {
        if (hit.kind === 'patch') expect(hit.slide_id === slideIds.purple || hit.x_level0 < 896).toBe(true);
        else expect(hit.id).toBe(pairIds.cellular);
      }
      const pinkPairs = await postForm('/v1/search/image?target=images', await componentPatchPng('stroma', 4), {
        kind: 'pair',
        k: '4',
      });
      expect(pinkPairs.data[0]!.id).toBe(pairIds.stroma);
      const byPair = await postJson('/v1/search/image', {
        pair_id: pairIds.stroma,
        target: 'images',
        kind: 'pair',
        k: 4,
      });
      expect(byPair.data.map((hit) => hit.id)).not.toContain(pairIds.stroma);
      expect(byPair.data).toHaveLength(3);
      const withinSlide = await postJson('/v1/search/image', {
        pair_id: pairIds.stroma,
        target: 'images',
        slide_id: slideIds.twoStain,
        k: 12,
      });
      expect(withinSlide.data.every((hit) => hit.kind === 'patch' && hit.x_level0 >= 896)).toBe(true);
    });
  });

  describe('caption → caption and slide → slide', () => {
    it('finds captions like a stored caption, or like free text', async () => {
      const page = await getJson(`/v1/search/captions?pair_id=${pairIds.cellular}&k=3`);
      expect(page.direction).toBe('caption-to-caption');
      expect(page.data[0]!.id).toBe(textOnlyPairId);
      expect(page.data.map((hit) => hit.id)).not.toContain(pairIds.cellular);
      const text = await postJson('/v1/search/captions', { q: 'bleeding with erythrocytes', k: 1 });
      expect(text.direction).toBe('text-to-caption');
      expect(text.data[0]!.id).toBe(pairIds.blood);
    });

    it('finds the slides most like a slide, filtered by organ', async () => {
      const page = await getJson(`/v1/search/similar-slides?slide_id=${slideIds.purple}&k=5`);
      expect(page.direction).toBe('slide-to-slide');
      expect(page.data.map((hit) => hit.id)).toEqual([slideIds.twoStain, slideIds.pink]);
      expect(page.data[0]).toMatchObject({
        kind: 'slide',
        name: 'two-stain.png',
        patch_count: 24,
        metadata: { organ: 'colon', stain: 'H&E' },
      });
      expect(page.data[0]!.score).toBeGreaterThan(page.data[1]!.score + 0.3);
      expect(
        (await getJson(`/v1/search/similar-slides?slide_id=${slideIds.purple}&organ=breast`)).data.map((hit) => hit.id),
      ).toEqual([slideIds.pink]);
    });
  });

  describe('heatmap', () => {
    it('scores every stored patch at its level-0 position', async () => {
      const heatmap = await getJson(`/v1/slides/${slideIds.twoStain}/heatmap?q=purple%20nuclei`);
      expect(heatmap).toMatchObject({
        object: 'slide_heatmap',
        width_px: 1792,
        height_px: 672,
        patch_size_level0_px: 224,
        thumbnail: { max_size_px: 1024, width_px: 1024, height_px: 384 },
      });
      const patches = heatmap.patches as {
        x_level0: number;
        y_level0: number;
        size_level0_px: number;
        score: number;
      }[];
      expect(patches.map((patch) => [patch.x_level0, patch.y_level0])).toEqual(
        [0, 1, 2].flatMap((row) => Array.from({ length: 8 }, (_, column) => [column * 224, row * 224])),
      );
      const left = patches.filter((patch) => patch.x_level0 < 896).map((patch) => patch.score);
      const right = patches.filter((patch) => patch.x_level0 >= 896).map((patch) => patch.score);
      expect(Math.min(...left)).toBeGreaterThan(Math.max(...right) + 0.3);
      expect(heatmap.score_max).toBe(Math.max(...left));
    });

    it('draws a thumbnail-sized PNG where "purple nuclei" lights up the left half and "pink stroma" the right', async () => {
      const overlay = async (query: string, maxSizePx: number) => {
        const response = await fetch(
          `${baseUrl}/v1/slides/${slideIds.twoStain}/heatmap?q=${encodeURIComponent(query)}&format=png&max_size_px=${maxSizePx}`,
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/png');
        return sharp(Buffer.from(await response.arrayBuffer()))
          .raw()
          .toBuffer({ resolveWithObject: true });
      };
      const purple = await overlay('purple nuclei', 1024);
      expect(purple.info).toMatchObject({ width: 1024, height: 384, channels: 4 });
      const alphaAt = (image: typeof purple, x: number, y: number) => image.data[(y * image.info.width + x) * 4 + 3]!;
      // the boundary between patch columns 3 and 4 (level-0 x 896) falls at thumbnail x 512
      for (const y of [0, 100, 383]) {
        expect(alphaAt(purple, 511, y)).toBeGreaterThan(150);
        expect(alphaAt(purple, 512, y)).toBeLessThan(80);
        expect(alphaAt(purple, 0, y)).toBe(alphaAt(purple, 511, y));
      }
      const pink = await overlay('pink stroma', 256);
      expect(pink.info).toMatchObject({ width: 256, height: 96 });
      expect(alphaAt(pink, 200, 50)).toBeGreaterThan(alphaAt(pink, 50, 50));
    });
  });

  describe('zero-shot', () => {
    it('lists the shipped label sets and the LABEL_SETS_DIR one, with prompts on request', async () => {
      const list = await getJson('/v1/label-sets');
      expect(list.data.map((labelSet: { id: string }) => labelSet.id).sort()).toEqual([
        'breast-benign-malignant',
        'crc-tissue-types',
        'lung-adeno-vs-squamous',
        'purple-or-pink',
        'tissue-components',
      ]);
      const crc = await getJson('/v1/label-sets/crc-tissue-types');
      expect(crc.classes).toHaveLength(8);
      expect(crc.classes[0].prompts.length).toBeGreaterThan(5);
    });

    it('classifies an uploaded image, a data URL, a pair and a patch', async () => {
      const form = await postForm('/v1/classify', await componentPatchPng('cellular', 2), {
        label_set: 'tissue-components',
      });
      expect(form).toMatchObject({
        object: 'classification',
        label_set: 'tissue-components',
        input: { kind: 'image' },
        predicted: { id: 'cellular' },
      });
      expect(
        form.classes.reduce((sum: number, entry: { probability: number }) => sum + entry.probability, 0),
      ).toBeCloseTo(1, 6);
      expect(
        (
          await postJson('/v1/classify', {
            label_set: 'tissue-components',
            image: dataUrl(await componentPatchPng('adipose', 2)),
          })
        ).predicted.id,
      ).toBe('adipose');
      expect(
        (await postJson('/v1/classify', { label_set: 'tissue-components', pair_id: pairIds.blood })).predicted.id,
      ).toBe('blood');
      const rightPatch = (await getJson(`/v1/search?q=pink%20stroma&slide_id=${slideIds.twoStain}&k=1`)).data[0]!;
      const patch = await postJson('/v1/classify', { label_set: 'purple-or-pink', patch_id: rightPatch.id });
      expect(patch).toMatchObject({
        input: { kind: 'patch', id: rightPatch.id, slide_id: slideIds.twoStain },
        predicted: { id: 'pink' },
      });
    });

    it('classifies whole slides by mean embedding, patch votes and top-k pooling', async () => {
      for (const method of ['mean-embedding', 'patch-votes', 'top-k-pooling']) {
        const purple = await postJson('/v1/classify', {
          label_set: 'tissue-components',
          slide_id: slideIds.purple,
          method,
        });
        expect(purple).toMatchObject({
          method,
          input: { kind: 'slide', id: slideIds.purple },
          predicted: { id: 'cellular' },
        });
      }
      const votes = await postJson('/v1/classify', {
        label_set: 'purple-or-pink',
        slide_id: slideIds.twoStain,
        method: 'patch-votes',
      });
      expect(votes.votes).toEqual({ purple: 12, pink: 12 });
      expect(votes.patch_count).toBe(24);
      expect(votes.classes[0].probability).toBeCloseTo(0.5, 2);
      const pooled = await postJson('/v1/classify', {
        label_set: 'purple-or-pink',
        slide_id: slideIds.pink,
        method: 'top-k-pooling',
        top_k: 3,
      });
      expect(pooled).toMatchObject({ top_k: 3, predicted: { id: 'pink' } });
    });

    it('accepts a label set sent inline', async () => {
      const inline = {
        id: 'inline-set',
        name: 'Inline',
        templates: ['{class}'],
        classes: [
          { id: 'fat', name: 'fat' },
          { id: 'blood', name: 'blood' },
        ],
      };
      const result = await postJson('/v1/classify', { label_set: inline, pair_id: pairIds.adipose });
      expect(result).toMatchObject({ label_set: 'inline-set', predicted: { id: 'fat' } });
    });
  });
});
