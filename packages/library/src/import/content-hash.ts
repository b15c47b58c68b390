import { createHash } from 'node:crypto';

/** sha256 of image bytes or caption text, hex: the library's duplicate key. */
export const sha256Hex = (content: Uint8Array | string): string => createHash('sha256').update(content).digest('hex');
