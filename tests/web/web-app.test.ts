import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, sharedDataFile } from '../helpers/shared-data.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { findChromium } from './find-chromium.ts';

const chromiumPath = findChromium();
const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
const libraryPatches = ['LYM-TCGA-FTVCYFDV.png', 'ADI-TCGA-EENSRDNW.png'].map((name) =>
  sharedDataFile(`patches/crc-val-he-7k-32/${name}`),
);

/** Screenshots go to .tmp/screenshots; with UPDATE_SCREENSHOTS=1 to docs/screenshots (linked from the README). */
const screenshotsDir =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(projectRoot, 'docs/screenshots')
    : path.join(projectRoot, '.tmp/screenshots');

/** The viewer's centre in level-0 pixels, as the app reports it on the viewer element. */
async function viewerCentre(page: Page): Promise<[number, number] | null> {
  const value = await page.getByTestId('slide-viewer').getAttribute('data-centre-level0');
  return value ? (value.split(',').map(Number) as [number, number]) : null;
}

const inside = (centre: [number, number] | null, region: { x: number; y: number; size: number }) =>
  centre !== null &&
  centre[0] >= region.x &&
  centre[0] <= region.x + region.size &&
  centre[1] >= region.y &&
  centre[1] <= region.y + region.size;

/** Pixel spread of a PNG: a blank (single-colour) picture has none. */
async function pixelSpread(png: Buffer): Promise<number> {
  const { channels } = await sharp(png).stats();
  return Math.max(...channels.slice(0, 3).map((channel) => channel.stdev));
}

describe.skipIf(!chromiumPath || !realSvs)(
  'the web app in a real browser (Debian chromium, real server, tiny models, real SVS)',
  () => {
    let test: Awaited<ReturnType<typeof startTestServer>>;
    let browser: Browser;
    let page: Page;
    let baseUrl: string;
    let fixtureDir: string;
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];

    beforeAll(async () => {
      test = await startTestServer();
      baseUrl = test.server.url;
      fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-web-'));
      await mkdir(screenshotsDir, { recursive: true });
      for (const [index, file] of libraryPatches.entries()) {
        if (!file) continue;
        const image = `data:image/png;base64,${(await readFile(file)).toString('base64')}`;
        const caption =
          index === 0
            ? 'Dense sheets of lymphocytes with dark round nuclei.'
            : 'Adipose tissue: large empty fat cells with thin membranes.';
        const response = await fetch(`${baseUrl}/v1/pairs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image, caption, source: 'CRC-VAL-HE-7K', metadata: { organ: 'colon', stain: 'H&E' } }),
        });
        expect(response.status).toBe(201);
      }
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      page.on('response', (response) => {
        if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
      });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await test?.dispose();
      if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
    });

    it('serves the app at / under the strict content security policy', async () => {
      const response = await fetch(`${baseUrl}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('/assets/app.js');
    });

    it('uploads the real SVS through the file picker and lists it as ready with its facts', async () => {
      await page.goto(`${baseUrl}/`);
      await page.getByTestId('slide-file-input').setInputFiles(realSvs!);
      const row = page.locator('tr', { hasText: 'CMU-1-Small-Region.svs' });
      await row.waitFor();
      await row.locator('[data-status="ready"]').waitFor({ timeout: 240_000 });
      await expect(row.textContent()).resolves.toMatch(/0\.499 µm\/px/);
      await expect(row.textContent()).resolves.toMatch(/2,220 × 2,967/);
      await page.screenshot({ path: path.join(screenshotsDir, 'slide-list.png') });
    }, 300_000);

    it('opens the slide: tiles load, the canvas is not blank, the scale bar shows µm', async () => {
      await page.getByRole('link', { name: 'CMU-1-Small-Region.svs' }).click();
      const viewer = page.getByTestId('slide-viewer');
      await expect
        .poll(async () => Number((await viewer.getAttribute('data-tiles-loaded')) ?? 0), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2);
      await page.waitForTimeout(500); // let the tiles' fade-in finish
      expect(await viewer.getAttribute('data-tiles-failed')).toBeNull();
      const canvas = await viewer.locator('.openseadragon-canvas').first().screenshot();
      expect(await pixelSpread(canvas)).toBeGreaterThan(8);
      await expect(page.locator('.scale-bar').textContent()).resolves.toMatch(/\d+ (µm|mm)/);
    });

    it('streams an answer; clicking its first region citation puts the viewer on the cited patch', async () => {
      const question = page.getByLabel('Question about this slide');
      await question.fill('Where are the tumour cells and the dark nuclei on this slide?');
      await question.press('Enter');
      await page.getByTestId('streaming-answer').waitFor();
      const answer = page.getByTestId('assistant-message').last();
      await answer.locator('.evidence-item').first().waitFor({ timeout: 120_000 });
      await expect(page.locator('.demo-warning').first().textContent()).resolves.toMatch(/DEMO MODELS/);
      await expect(answer.locator('.draft-notice').textContent()).resolves.toMatch(/Draft for review by a pathologist/);

      const citation = answer
        .locator('button.citation[data-kind="patch"], button.citation[data-kind="prototype"]')
        .first();
      expect(await citation.count()).toBe(1);
      const n = Number(await citation.getAttribute('data-n'));
      // The stored turn, read over the API: the cited patch's level-0 rectangle.
      const getJson = async (route: string) =>
        (await (await fetch(`${baseUrl}${route}`)).json()) as Record<string, any>;
      const slide = (await getJson('/v1/slides')).data.find(
        (candidate: { name: string }) => candidate.name === 'CMU-1-Small-Region.svs',
      );
      const [conversation] = (await getJson(`/v1/slides/${slide.id}/conversations`)).data;
      const stored = await getJson(`/v1/conversations/${conversation.id}`);
      const cited = stored.messages.at(-1).evidence.find((item: { n: number }) => item.n === n);
      const region = { x: cited.xLevel0, y: cited.yLevel0, size: cited.sizeLevel0Px };
      expect(inside(await viewerCentre(page), region)).toBe(false); // the whole slide is in view before the click

      await citation.click();
      await expect.poll(async () => inside(await viewerCentre(page), region), { timeout: 10_000 }).toBe(true);
      await answer.locator(`#evidence-${n} button`).hover();
      await page.locator('.region-outline-highlighted').waitFor();
      await expect.poll(() => page.locator('.crop-loading').count(), { timeout: 30_000 }).toBe(0);
      await page.waitForTimeout(1200); // tiles at the new zoom
      await page.screenshot({ path: path.join(screenshotsDir, 'slide-view-chat.png') });
    }, 180_000);

    it('shows the tissue mask and a heatmap with its colour scale', async () => {
      await page.getByLabel('Tissue mask').check();
      await page.getByLabel('Heatmap query').fill('dark purple nuclei');
      await page.getByRole('button', { name: 'Heatmap' }).click();
      await expect(page.locator('.colour-scale').getAttribute('aria-label')).resolves.toMatch(
        /similarity -?\d\.\d\d \(blue\) to -?\d\.\d\d \(red\)/,
      );
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(screenshotsDir, 'slide-view-heatmap.png') });
      await page.getByLabel('Tissue mask').uncheck();
    }, 180_000);

    it('keeps the conversation across a reload: the stored turns come back', async () => {
      await page.reload();
      await page.getByTestId('assistant-message').first().waitFor();
      const getJson = async (route: string) =>
        (await (await fetch(`${baseUrl}${route}`)).json()) as Record<string, any>;
      const slide = (await getJson('/v1/slides')).data[0];
      const [conversation] = (await getJson(`/v1/slides/${slide.id}/conversations`)).data;
      const stored = await getJson(`/v1/conversations/${conversation.id}`);
      const storedAnswers = stored.messages.filter((message: { role: string }) => message.role === 'assistant');
      expect(storedAnswers.length).toBeGreaterThan(0);
      expect(await page.getByTestId('assistant-message').count()).toBe(storedAnswers.length);
      await expect(page.getByTestId('assistant-message').first().textContent()).resolves.toContain(
        storedAnswers[0].content.split('[')[0].trim(),
      );
    });

    /**
     * Stop a question before its first token, with `stop`, and check what the user and the
     * server see. Another generation holds the model meanwhile (a place taken in the server's own
     * queue), so the question is deterministically still waiting when it is stopped. The questions
     * ask for a slide fact, so the model is needed (a declined question is answered at once).
     */
    async function stopBeforeFirstToken(questionText: string, stop: () => Promise<void>) {
      const queue = test.server.holder.runtime!.languageModel.queue;
      const busy = queue.join();
      const before = queue.stats();
      try {
        const question = page.getByLabel('Question about this slide');
        await question.fill(questionText);
        await question.press('Enter');
        await page.getByTestId('streaming-answer').waitFor();
        await expect.poll(() => queue.stats().waiting, { timeout: 30_000 }).toBe(1);
        await stop();
        // The stopped answer replaces the streaming one once the app has heard back: wait for it.
        await expect
          .poll(() => page.getByTestId('assistant-message').last().textContent(), { timeout: 15_000 })
          .toMatch(/Stopped: the generation was cancelled/);
        expect(await page.getByTestId('streaming-answer').count()).toBe(0);
        // the form is ready for the next question
        await page.getByRole('button', { name: 'Ask', exact: true }).waitFor();
        // The server saw the stop: the request left the model's queue and never got a turn.
        await expect.poll(() => queue.stats().waiting, { timeout: 10_000 }).toBe(0);
        expect(queue.stats()).toMatchObject({ abandoned: before.abandoned + 1, started: before.started });
      } finally {
        busy.leave();
      }
      expect(queue.stats()).toMatchObject({ running: 0, waiting: 0 });
      const listed = page.waitForResponse((response) => response.url().endsWith('/conversations'));
      await page.reload();
      const stored = ((await (await listed).json()) as { data: unknown[] }).data;
      if (stored.length > 0) await page.getByTestId('assistant-message').first().waitFor(); // the newest one reopens
      await expect(page.locator('.chat-log').textContent()).resolves.not.toContain(questionText);
      const getJson = async (route: string) =>
        (await (await fetch(`${baseUrl}${route}`)).json()) as Record<string, any>;
      const slide = (await getJson('/v1/slides')).data[0];
      for (const { id } of (await getJson(`/v1/slides/${slide.id}/conversations`)).data) {
        const stored = await getJson(`/v1/conversations/${id}`);
        expect(stored.messages.map((message: { content: string }) => message.content)).not.toContain(questionText);
      }
    }

    it('Escape stops a generation: the server cancels it, the answer shows it stopped, nothing is stored', async () => {
      await stopBeforeFirstToken('Stopped with Escape: what is the tissue area?', () => page.keyboard.press('Escape'));
    }, 180_000);

    it('the Stop button does the same', async () => {
      await stopBeforeFirstToken('Stopped with the button: what is the tissue area?', () =>
        page.getByRole('button', { name: 'Stop (Esc)' }).click(),
      );
    }, 180_000);

    it('drafts a report: structured fields, markdown, not-assessable set apart', async () => {
      await page.getByRole('tab', { name: 'Report draft' }).click();
      await page.getByRole('button', { name: 'Draft report' }).click();
      const report = page.getByTestId('report');
      await report.waitFor({ timeout: 180_000 });
      await expect(report.locator('.draft-notice').textContent()).resolves.toMatch(/Draft for review/);
      await expect(report.textContent()).resolves.toMatch(/Microscopic description/);
      expect(await report.locator('.not-assessable').count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(screenshotsDir, 'report.png') });
    }, 240_000);

    it('searches the library by text, and by an uploaded image', async () => {
      await page.goto(`${baseUrl}/#/library`);
      await page.getByLabel('Search text').fill('dense lymphocytes with dark nuclei');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByTestId('image-results').locator('.result-card').first().waitFor();
      expect(
        await page.getByTestId('image-results').locator('.result-card[data-kind="patch"]').count(),
      ).toBeGreaterThan(0);
      await page.getByTestId('caption-results').locator('li').first().waitFor();
      await expect.poll(() => page.locator('.crop-loading').count(), { timeout: 30_000 }).toBe(0); // every crop shown
      await page.screenshot({ path: path.join(screenshotsDir, 'library-search.png') });

      const query = path.join(fixtureDir, 'query.png');
      await writeFile(query, await readFile(libraryPatches[0] ?? realSvs!));
      await page.getByTestId('search-image-input').setInputFiles(query);
      await page.getByRole('heading', { name: /^Images \([1-9]/ }).waitFor();
      await page.getByTestId('caption-results').locator('li').first().waitFor();
      if (libraryPatches[0]) {
        // the library entry added with this very picture is in the gallery, showing its picture
        const picture = page.getByTestId('image-results').locator('.result-card[data-kind="pair"] img.crop').first();
        await picture.waitFor();
        type Picture = { complete: boolean; naturalWidth: number }; // a DOM HTMLImageElement, in the browser
        expect(await picture.evaluate((image) => (image as unknown as Picture).naturalWidth)).toBe(224);
      }
    }, 180_000);

    it('opens a patch result on its slide at that region', async () => {
      await page.getByTestId('image-results').locator('.result-card[data-kind="patch"] a').first().click();
      const query = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
      const region = { x: Number(query.get('x')), y: Number(query.get('y')), size: Number(query.get('size')) };
      expect(region.size).toBeGreaterThan(0);
      await expect.poll(async () => inside(await viewerCentre(page), region), { timeout: 15_000 }).toBe(true);
    });

    it('shows the status page and no console errors anywhere', async () => {
      await page.goto(`${baseUrl}/#/status`);
      await page.getByText('Chat queue').waitFor();
      await expect(page.locator('.status-page').textContent()).resolves.toMatch(/pathlens\/tiny-chat/);
      expect(consoleErrors).toEqual([]);
      expect(failedRequests).toEqual([]);
    });
  },
);
