import { vector } from 'drizzle-orm/pg-core';

/**
 * Width of every stored embedding. CLIP ViT-B/32, PLIP, QuiltNet and CONCH all project to
 * 512 dimensions, and the generated tiny CLIP does too, so one schema serves them all.
 * An encoder of another width needs a migration; start-up refuses a mismatch.
 */
export const embeddingDimension = 512;

/** An L2-normalised embedding column. */
export const embeddingColumn = (name: string) => vector(name, { dimensions: embeddingDimension });
