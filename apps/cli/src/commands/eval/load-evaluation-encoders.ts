import { PathLensError, type Config } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import {
  ensureTinyModels,
  findModelEntry,
  loadModelManifest,
  resolveModelFolder,
  type ImageTextEncoderEntry,
} from '@pathlens/models';

/**
 * The configured image/text encoder, loaded here (no server, no database). Unlike the server,
 * evaluation never substitutes the demo model for a missing one: numbers from another model would mislead.
 */
export async function loadEvaluationEncoders(config: Config): Promise<{
  imageEncoder: ClipImageEncoder;
  textEncoder: ClipTextEncoder;
  entry: ImageTextEncoderEntry;
  dispose(): Promise<void>;
}> {
  const entry = findModelEntry(await loadModelManifest(), config.imageTextEncoder);
  if (entry.task !== 'image-text-encoder')
    throw new PathLensError(
      'invalid_config',
      `IMAGE_TEXT_ENCODER ${entry.id} is a ${entry.task} model, not an image-text encoder.`,
    );
  if (entry.source.kind === 'generated') await ensureTinyModels({ modelsDir: config.modelsDir });
  else {
    const folder = await resolveModelFolder(config.modelsDir, entry);
    if (!folder.present) {
      throw new PathLensError(
        'model_not_found',
        `${entry.id} is not in ${config.modelsDir} (missing ${folder.missingFiles.join(', ')}). Download it with \`pathlens models pull ${entry.id}\`, or evaluate the demo model with --image-text-encoder pathlens/tiny-clip.`,
        { modelId: entry.id },
      );
    }
  }
  const options = { modelsDir: config.modelsDir, modelId: entry.id, dtype: config.encoderDtype ?? entry.dtype };
  const [imageEncoder, textEncoder] = await Promise.all([
    ClipImageEncoder.load(options),
    ClipTextEncoder.load(options),
  ]);
  return {
    imageEncoder,
    textEncoder,
    entry,
    dispose: async () => void (await Promise.all([imageEncoder.dispose(), textEncoder.dispose()])),
  };
}
