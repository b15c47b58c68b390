import { open } from 'node:fs/promises';
import { locateFrames, readFrameBytes } from './frame-locations.ts';
import type { OpenFrameSource } from './frame-source.ts';

/** Frames read from the instance's file; every frame is located first, so a truncated file fails here. */
export const openFileFrames: OpenFrameSource = async (instance) => {
  const locations = await locateFrames(instance);
  const handle = await open(instance.header.filePath, 'r');
  return {
    readFrame: (frame) => readFrameBytes(handle, locations, frame),
    close: () => handle.close(),
  };
};
