import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '@pathlens/core';
import { PathLensError } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { estimateTokens } from '@pathlens/language-model';
import type { ChatCompletionRequest } from './chat-completion-request.ts';

type ChatLimits = Pick<Config, 'chatMaxMessageCharacters' | 'chatMaxTotalCharacters' | 'chatMaxPromptTokens'>;

/**
 * Refuse (413) a chat request over its size limits before anything tokenizes it: each message's
 * and all messages' characters, and an upper estimate of its tokens (UTF-8 bytes / 3).
 */
export function checkChatLimits(request: Pick<ChatCompletionRequest, 'messages'>, limits: ChatLimits): void {
  let totalCharacters = 0;
  for (const [index, message] of request.messages.entries()) {
    totalCharacters += message.content.length;
    if (message.content.length > limits.chatMaxMessageCharacters) {
      throw new PathLensError(
        'payload_too_large',
        `messages[${index}] has ${message.content.length} characters; the limit is ${limits.chatMaxMessageCharacters} a message (CHAT_MAX_MESSAGE_CHARACTERS).`,
        { param: `messages.${index}.content`, limitCharacters: limits.chatMaxMessageCharacters },
      );
    }
  }
  if (totalCharacters > limits.chatMaxTotalCharacters) {
    throw new PathLensError(
      'payload_too_large',
      `The messages have ${totalCharacters} characters in all; the limit is ${limits.chatMaxTotalCharacters} (CHAT_MAX_TOTAL_CHARACTERS).`,
      { param: 'messages', limitCharacters: limits.chatMaxTotalCharacters },
    );
  }
  const estimatedTokens = estimateTokens(request.messages.map((message) => message.content).join('\n'));
  if (estimatedTokens > limits.chatMaxPromptTokens * 2) {
    // Well past the limit by any tokenizer's count: no need to count exactly.
    throw new PathLensError(
      'payload_too_large',
      `The messages make far more than ${limits.chatMaxPromptTokens} prompt tokens (CHAT_MAX_PROMPT_TOKENS); send a shorter conversation.`,
      { param: 'messages', limitTokens: limits.chatMaxPromptTokens },
    );
  }
}

/**
 * Bytes a chat request may take: its characters at JSON's worst case (`\uXXXX`, 6 bytes each), its
 * pictures as base64 data URLs (CHAT_MAX_IMAGES × CHAT_MAX_IMAGE_MEGABYTES, 4/3 for base64), and room
 * for the other fields.
 */
export function chatBodyBytes(
  limits: Pick<Config, 'chatMaxTotalCharacters' | 'chatMaxImages' | 'chatMaxImageMegabytes'>,
): number {
  const pictureBytes = Math.ceil((limits.chatMaxImages * limits.chatMaxImageMegabytes * 1e6 * 4) / 3);
  return limits.chatMaxTotalCharacters * 6 + pictureBytes + 65_536;
}

/**
 * A body limit for chat requests derived from the character limits, so an oversized chat request
 * is refused (413) from its content-length, before it is read or parsed.
 */
export function chatBodyLimit(): MiddlewareHandler<AppEnvironment> {
  return (context, next) => {
    const { config } = context.get('runtime');
    const maxSize = chatBodyBytes(config);
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new PathLensError(
          'payload_too_large',
          `The chat request is over ${Math.round(maxSize / 1024)} KB: chat requests are limited to ${config.chatMaxTotalCharacters} characters ` +
            `(CHAT_MAX_TOTAL_CHARACTERS), ${config.chatMaxMessageCharacters} a message (CHAT_MAX_MESSAGE_CHARACTERS). Send less text.`,
          { limitBytes: maxSize },
        );
      },
    })(context, next);
  };
}
