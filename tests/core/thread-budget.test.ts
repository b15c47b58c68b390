import { describe, expect, it } from 'vitest';
import { loadConfig, threadBudget } from '@pathlens/core';

describe('the thread budget', () => {
  it('gives ONNX Runtime every core by default and one libvips thread per read', () => {
    expect(threadBudget({ coreCount: 2 })).toEqual({
      cpuThreads: 2,
      onnxIntraOpThreads: 2,
      libvipsConcurrency: 1,
      readsInFlight: 4,
      writesInFlight: 1,
    });
    expect(threadBudget({ coreCount: 16 })).toMatchObject({ cpuThreads: 16, onnxIntraOpThreads: 16, readsInFlight: 4 });
    expect(threadBudget({ coreCount: 1 })).toMatchObject({ onnxIntraOpThreads: 1 });
  });

  it('follows CPU_THREADS, with 0 meaning every core', () => {
    expect(threadBudget({ cpuThreads: 3, coreCount: 16 })).toMatchObject({ cpuThreads: 3, onnxIntraOpThreads: 3 });
    expect(threadBudget({ cpuThreads: 0, coreCount: 8 }).onnxIntraOpThreads).toBe(8);
    expect(loadConfig({ environment: { CPU_THREADS: '6' } }).cpuThreads).toBe(6);
    expect(() => loadConfig({ environment: { CPU_THREADS: 'many' } })).toThrow(/CPU_THREADS/);
  });
});
