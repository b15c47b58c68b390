import { PathLensError, type Config, type Logger, type ModelDtype } from '@pathlens/core';
import {
  ensureTinyModels,
  entryWithDtype,
  findModelEntry,
  loadModelManifest,
  pullModel,
  resolveModelFolder,
  tinyChatModelId,
  tinyImageTextEncoderId,
  type ChatModelEntry,
  type ImageTextEncoderEntry,
  type ModelManifest,
  type ModelManifestEntry,
} from '@pathlens/models';

export interface SelectedModels {
  imageTextEncoder: ImageTextEncoderEntry;
  /**
   * The local chat model (CHAT_PROVIDER=local). With CHAT_PROVIDER=openai-compatible: CHAT_MODEL's
   * manifest entry, used only for its tokenizer and never pulled, or null when CHAT_MODEL names none.
   */
  chat: ChatModelEntry | null;
  /** Set when a configured model was replaced by a generated demo model, saying why. */
  demoWarning: string | null;
}

/**
 * Decide which model folders to load. A configured model that is missing is pulled once
 * (when PULL_MODELS allows); when that is impossible the generated tiny models stand in,
 * and the returned warning says so plainly: it goes to the log, `/v1/models` and every answer.
 */
export async function selectModels(
  config: Config,
  logger: Logger,
  onPullProgress?: (line: string) => void,
): Promise<SelectedModels> {
  const manifest = await loadModelManifest();
  const substituted: { id: string; reason: string }[] = [];
  const pick = async <Task extends ModelManifestEntry['task']>(
    configuredId: string,
    tinyId: string,
    task: Task,
    dtype: ModelDtype | undefined,
  ): Promise<Extract<ModelManifestEntry, { task: Task }>> => {
    const manifestEntry = findModelEntry(manifest, configuredId) as Extract<ModelManifestEntry, { task: Task }>;
    if (manifestEntry.task !== task)
      throw new PathLensError(
        'invalid_config',
        `Model "${configuredId}" is a ${manifestEntry.task} model, not a ${task} model.`,
        { modelId: configuredId },
      );
    const entry = entryWithDtype(manifestEntry, dtype);
    if (entry.source.kind === 'generated') return entry;
    const folder = await resolveModelFolder(config.modelsDir, entry);
    if (folder.present) return entry;
    if (entry !== manifestEntry && (await resolveModelFolder(config.modelsDir, manifestEntry)).present)
      // The model is here at its manifest precision: a missing int8 file is made, not downloaded or replaced.
      throw new PathLensError(
        'model_not_found',
        `${entry.id} has no ${entry.dtype} files (missing ${folder.missingFiles.join(', ')} in ${folder.folder}).` +
          (entry.dtype === 'q8'
            ? ` Make them with \`pathlens models quantize ${entry.id}\`, or unset the dtype setting.`
            : ` Unset the dtype setting to load its ${manifestEntry.dtype} files.`),
        { modelId: entry.id, dtype: entry.dtype },
      );
    let reason = `missing files in ${folder.folder}: ${folder.missingFiles.join(', ')}`;
    if (config.pullModels) {
      logger.info(`model ${entry.id} is not in ${config.modelsDir}; downloading it once`);
      try {
        let lastReportMs = 0;
        await pullModel({
          modelsDir: config.modelsDir,
          entry,
          onProgress: (progress) => {
            const done = progress.totalBytes !== undefined && progress.receivedBytes >= progress.totalBytes;
            if (!done && Date.now() - lastReportMs < 2_000) return; // a progress line every 2 s, not every chunk
            lastReportMs = Date.now();
            const percent = progress.totalBytes
              ? ` ${Math.floor((100 * progress.receivedBytes) / progress.totalBytes)}%`
              : '';
            onPullProgress?.(
              `pulling ${entry.id}: ${progress.file} ${(progress.receivedBytes / 1_048_576).toFixed(1)} MB${percent}`,
            );
          },
        });
        return entry;
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    substituted.push({ id: entry.id, reason });
    return entryWithDtype(findModelEntry(manifest, tinyId) as Extract<ModelManifestEntry, { task: Task }>, dtype);
  };

  const imageTextEncoder = await pick(
    config.imageTextEncoder,
    tinyImageTextEncoderId,
    'image-text-encoder',
    config.encoderDtype,
  );
  const chat =
    config.chatProvider === 'local'
      ? await pick(config.chatModel, tinyChatModelId, 'chat', config.chatDtype)
      : manifestChatEntry(manifest, config.chatModel);
  if (imageTextEncoder.demo || chat?.demo)
    await ensureTinyModels({ modelsDir: config.modelsDir, log: (line) => logger.debug(line) });
  // An upstream model is not a demo model, whatever tokenizer counts its tokens.
  const demoIds = [imageTextEncoder, config.chatProvider === 'local' ? chat : null]
    .filter((entry) => entry?.demo)
    .map((entry) => entry!.id);
  const demoWarning = demoIds.length
    ? `DEMO MODELS: PathLens is running on generated tiny models (${demoIds.join(', ')}) that know nothing about pathology; their output is not meaningful.` +
      (substituted.length ? ` Configured models unavailable: ${describeSubstitutions(substituted)}` : '')
    : null;
  return { imageTextEncoder, chat, demoWarning };
}

/** `a, b: why` — one reason stated once for all the models it applies to. */
function describeSubstitutions(substituted: { id: string; reason: string }[]): string {
  const byReason = new Map<string, string[]>();
  for (const { id, reason } of substituted) byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
  return [...byReason].map(([reason, ids]) => `${ids.join(', ')}: ${reason}`).join(' ');
}

/** CHAT_MODEL's chat entry when the manifest has one (an upstream model's tokenizer source), else null. */
function manifestChatEntry(manifest: ModelManifest, modelId: string): ChatModelEntry | null {
  const entry = manifest.models.find((candidate) => candidate.id === modelId);
  return entry?.task === 'chat' ? entry : null;
}
