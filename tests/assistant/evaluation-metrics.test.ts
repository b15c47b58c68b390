import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closedImageQuestions,
  corpusBleu4,
  keyTermRecall,
  loadReportReferences,
  loadVqaRows,
  readYesNo,
  rougeL,
  scoreVqa,
  tokenF1,
} from '@pathlens/assistant';
import { sharedDataFile } from '../helpers/shared-data.ts';

describe('VQA metrics (PathVQA’s)', () => {
  it('scores closed-ended by the yes/no the answer gives, open-ended by exact match and token F1', () => {
    const scores = scoreVqa([
      { question: 'Is this necrosis?', reference: 'yes', prediction: 'Yes, there is necrosis [1].' },
      { question: 'Is this fat?', reference: 'no', prediction: 'The region shows fat [2].' },
      { question: 'What is present?', reference: 'the histone subunits', prediction: 'Histone subunits.' },
      { question: 'Where?', reference: 'in the canals of hering', prediction: 'canals of hering' },
    ]);
    expect(scores.closed).toEqual({ count: 2, accuracy: 0.5, answeredYesOrNo: 1 });
    expect(scores.open.count).toBe(2);
    expect(scores.open.exactMatch).toBe(0.5);
    expect(scores.open.tokenF1).toBeCloseTo((1 + (2 * 1 * 0.75) / 1.75) / 2, 6);
  });

  it('reads the yes/no an answer opens with, not one inside prose, and F1 of disjoint answers is 0', () => {
    expect(readYesNo('Nothing notable')).toBeNull();
    expect(readYesNo('No.')).toBe('no');
    expect(readYesNo('**Yes** [1]')).toBe('yes');
    expect(readYesNo('The available evidence does not support an answer: no slide region is similar.')).toBeNull();
    expect(tokenF1('purple nuclei', 'pink stroma')).toBe(0);
  });
});

describe('report metrics', () => {
  it('gives BLEU-4 and ROUGE-L of 1 for identical text and 0 for disjoint text', () => {
    const text = 'the epidermis shows mild acanthosis with a sparse dermal infiltrate';
    expect(corpusBleu4([{ hypothesis: text, reference: text }])).toBeCloseTo(1, 10);
    expect(rougeL(text, text)).toBeCloseTo(1, 10);
    expect(corpusBleu4([{ hypothesis: 'alpha beta gamma delta', reference: text }])).toBe(0);
    expect(rougeL('alpha beta', text)).toBe(0);
  });

  it('computes ROUGE-L from the longest common subsequence and BLEU with its brevity penalty', () => {
    // LCS("a b c d e", "a c e f") = 3: P = 3/5, R = 3/4, F(β=1.2) = (1+1.44)·P·R / (R + 1.44·P)
    expect(rougeL('a b c d e', 'a c e f')).toBeCloseTo((2.44 * 0.6 * 0.75) / (0.75 + 1.44 * 0.6), 10);
    const reference = 'one two three four five six seven eight';
    const short = 'one two three four five';
    expect(corpusBleu4([{ hypothesis: short, reference }])).toBeCloseTo(Math.exp(1 - 8 / 5), 10);
  });

  it('counts key terms as whole words or phrases', () => {
    expect(keyTermRecall('Crypts and goblet cells; no dysplasia.', ['crypts', 'goblet', 'dysplasia', 'mucin'])).toBe(
      0.75,
    );
    expect(keyTermRecall('lamina propria', ['lamina propria', 'propria lamina'])).toBe(0.5);
    expect(keyTermRecall('anything', [])).toBeNull();
  });
});

describe('evaluation files', () => {
  const qaFile = sharedDataFile('text/pathvqa_QA_pairs_vb.json');
  const testSplit = sharedDataFile('text/pathvqa_pvqa_test.json');

  it.skipIf(!qaFile)('reads the real PathVQA QA pairs', async () => {
    const rows = await loadVqaRows(qaFile!);
    expect(rows.length).toBeGreaterThan(5000);
    expect(rows[0]).toEqual({
      question: expect.stringContaining('compaction of the negatively charged DNA'),
      answer: 'the histone subunits',
      imageId: 'Fig.1',
      imagePath: null,
    });
    expect(rows.filter((row) => row.answer === 'yes' || row.answer === 'no').length).toBeGreaterThan(1000);
  });

  it.skipIf(!testSplit)('reads PathVQA’s LXMERT-form test split', async () => {
    const rows = await loadVqaRows(testSplit!);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.find((row) => row.imageId === 'test_0001')).toMatchObject({ answer: 'squamous cell carcinoma' });
  });

  it('reads rows with pictures, resolving the picture path against the file’s folder', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-vqa-'));
    try {
      const file = path.join(directory, 'qa.jsonl');
      await writeFile(
        file,
        `${JSON.stringify({ question: 'Is this tumour?', answer: 'yes', image: 'patches/TUM-1.png' })}\n`,
      );
      expect(await loadVqaRows(file)).toEqual([
        {
          question: 'Is this tumour?',
          answer: 'yes',
          imageId: null,
          imagePath: path.join(directory, 'patches/TUM-1.png'),
        },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('builds closed questions from class labels: one yes about the picture’s class, one no about another, rotating', () => {
    const classes = [
      { id: 'TUM', name: 'tumour epithelium' },
      { id: 'STR', name: 'stroma' },
      { id: 'LYM', name: 'lymphocytes' },
    ];
    const rows = closedImageQuestions(
      [
        { imagePath: 'a.png', label: 'TUM' },
        { imagePath: 'b.png', label: 'TUM' },
        { imagePath: 'c.png', label: 'unknown' },
      ],
      classes,
    );
    expect(rows).toEqual([
      { question: 'Does this image show tumour epithelium?', answer: 'yes', imageId: null, imagePath: 'a.png' },
      { question: 'Does this image show stroma?', answer: 'no', imageId: null, imagePath: 'a.png' },
      { question: 'Does this image show tumour epithelium?', answer: 'yes', imageId: null, imagePath: 'b.png' },
      { question: 'Does this image show lymphocytes?', answer: 'no', imageId: null, imagePath: 'b.png' },
    ]);
  });

  it('reads JSON lines of slide/report pairs and says what a bad row lacks', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-refs-'));
    try {
      const good = path.join(directory, 'refs.jsonl');
      await writeFile(
        good,
        `${JSON.stringify({ slide: 'slides/a.svs', reference: 'Skin with epidermis.', key_terms: ['epidermis'] })}\n`,
      );
      expect(await loadReportReferences(good)).toEqual([
        { slide: 'slides/a.svs', reference: 'Skin with epidermis.', keyTerms: ['epidermis'], templateId: null },
      ]);
      const bad = path.join(directory, 'bad.jsonl');
      await writeFile(bad, `${JSON.stringify({ slide: 'x' })}\n`);
      await expect(loadReportReferences(bad)).rejects.toThrow(/row 1: needs "slide".*"reference"/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
