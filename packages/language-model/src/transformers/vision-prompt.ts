import { RawImage } from '@huggingface/transformers';
import { PathLensError } from '@pathlens/core';
import type { ChatMessage, MessageImage } from '../language-model.ts';

/** Messages as a chat template takes them (text only), and the pictures in prompt order. */
export interface VisionPrompt {
  messages: { role: ChatMessage['role']; content: string }[];
  images: MessageImage[];
}

/**
 * Puts each message's pictures before its text, each as `label` then the model's image token
 * on its own line (`Evidence [2]:\n<image>\n…`), the way LLaVA-family prompts place them.
 * Pictures in messages of a model that cannot see them are left out by the caller.
 */
export function renderVisionPrompt(messages: readonly ChatMessage[], imageToken: string): VisionPrompt {
  const images: MessageImage[] = [];
  const rendered = messages.map((message) => {
    const pictures = message.images ?? [];
    images.push(...pictures);
    const introduction = pictures
      .map((picture) => `${picture.label ? picture.label + '\n' : ''}${imageToken}\n`)
      .join('');
    return { role: message.role, content: introduction + message.content };
  });
  return { messages: rendered, images };
}

/** Decodes the pictures for the processor; a file that is not an image is a 400, not a crash. */
export async function decodeMessageImages(images: readonly MessageImage[]): Promise<RawImage[]> {
  return Promise.all(
    images.map(async (image, index) => {
      try {
        const blob = new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.mediaType });
        return (await RawImage.fromBlob(blob)).rgb();
      } catch (error) {
        throw new PathLensError(
          'invalid_request',
          `Image ${index + 1} could not be decoded as ${image.mediaType}: send a PNG, JPEG, WebP or TIFF file.`,
          { index },
          {
            cause: error,
          },
        );
      }
    }),
  );
}
