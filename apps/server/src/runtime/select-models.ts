import { PathLensError, type Config, type Logger } from '@pathlens/core';
import {
  ensureTinyModels,
  findModelEntry,
  loadModelManifest,
  pullModel,
  resolveModelFolder,
  tinyChatModelId,
  tinyImageTextEncoderId,
  type ChatModelEntry,
  type ImageTextEncoderEntry,
  type ModelManifestEntry,
} from '@pathlens/models';

export interface SelectedModels {
  imageTextEncoder: ImageTextEncoderEntry;
  chat: ChatModelEntry;
  /** Set when a configured model was replaced by a generated demo model, saying why. */
  demoWarning: string | null;
}

/**
 * Decide which model folders to load. A configured model that is missing is pulled once
 * (when PULL_MODELS allows); when that is impossible the generated tiny models stand in,
 * and the returned warning says so plainly: it goes to the log, `/v1/models` and every answer.
 */
export async function selectModels(config: Config, logger: Logger, onPullProgress?: (line: string) => void): Promise<SelectedModels> {
  const manifest = await loadModelManifest();
  const substituted: string[] = [];
  const pick = async <Task extends ModelManifestEntry['task']>(configuredId: string, tinyId: string, task: Task): Promise<Extract<ModelManifestEntry, { task: Task }>> => {
    const entry = findModelEntry(manifest, configuredId) as Extract<ModelManifestEntry, { task: Task }>;
    if (entry.task !== task) throw new PathLensError('invalid_config', `Model "${configuredId}" is a ${entry.task} model, not a ${task} model.`, { modelId: configuredId });
    if (entry.source.kind === 'generated') return entry;
    const folder = await resolveModelFolder(config.modelsDir, entry);
    if (folder.present) return entry;
    let reason = `missing files in ${folder.folder}: ${folder.missingFiles.join(', ')}`;
    if (config.pullModels) {
      logger.info(`model ${entry.id} is not in ${config.modelsDir}; downloading it once`);
      try {
        await pullModel({ modelsDir: config.modelsDir, entry, onProgress: (progress) => onPullProgress?.(`${entry.id} ${progress.file} ${progress.receivedBytes}/${progress.totalBytes ?? '?'} bytes`) });
        return entry;
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    substituted.push(`${entry.id} (${reason})`);
    return findModelEntry(manifest, tinyId) as Extract<ModelManifestEntry, { task: Task }>;
  };

  const imageTextEncoder = await pick(config.imageTextEncoder, tinyImageTextEncoderId, 'image-text-encoder');
  const chat = await pick(config.chatModel, tinyChatModelId, 'chat');
  if (imageTextEncoder.demo || chat.demo) await ensureTinyModels({ modelsDir: config.modelsDir, log: (line) => logger.debug(line) });
  const demoIds = [imageTextEncoder, chat].filter((entry) => entry.demo).map((entry) => entry.id);
  const demoWarning = demoIds.length
    ? `DEMO MODELS: PathLens is running on generated tiny models (${demoIds.join(', ')}) that know nothing about pathology; their output is not meaningful.` +
      (substituted.length ? ` Configured models unavailable: ${substituted.join('; ')}. Run \`pathlens models pull <id>\` on a machine with internet and restart.` : '')
    : null;
  return { imageTextEncoder, chat, demoWarning };
}
