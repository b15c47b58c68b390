import { conversationFilesDirectory } from '@pathlens/core';
import type { DeletedCounts, DeletionAudit } from '@pathlens/store';
import type { Runtime } from '../runtime/runtime.ts';
import { removeDataFiles } from './remove-data-files.ts';

/** Delete a library pair and its image file. Undefined when there is no such pair. */
export async function deletePair(
  runtime: Runtime,
  pairId: string,
  audit: DeletionAudit,
): Promise<DeletedCounts | undefined> {
  const pair = await runtime.store.deletions.deletePair(pairId, audit);
  if (!pair) return undefined;
  return { pairs: 1, files: pair.imageRef ? await removeDataFiles(runtime.config.dataDir, pair.imageRef) : 0 };
}

/** Delete a conversation, its messages and the images sent in it. Undefined when there is no such conversation. */
export async function deleteConversation(
  runtime: Runtime,
  conversationId: string,
  audit: DeletionAudit,
): Promise<DeletedCounts | undefined> {
  const counts = await runtime.store.deletions.deleteConversation(conversationId, audit);
  if (!counts) return undefined;
  const files = await removeDataFiles(
    runtime.config.dataDir,
    conversationFilesDirectory(runtime.config.dataDir, conversationId),
  );
  return { ...counts, files };
}
