import path from 'node:path';

/** `DATA_DIR/conversations/<conversationId>/`: the images sent in one conversation; deleting it deletes the folder. */
export function conversationFilesDirectory(dataDir: string, conversationId: string): string {
  return path.join(dataDir, 'conversations', conversationId);
}
