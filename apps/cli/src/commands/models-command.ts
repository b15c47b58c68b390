import type { Command } from 'commander';
import { PathLensError } from '@pathlens/core';
import path from 'node:path';
import {
  convertClipCheckpoint,
  ensureTinyModels,
  findModelEntry,
  loadModelManifest,
  modelFolderPath,
  modelIdSchema,
  pullModel,
  quantizeModelFolder,
  resolveModelFolder,
} from '@pathlens/models';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

export function modelsCommand(program: Command): void {
  const models = program.command('models').description('List, download and generate models in MODELS_DIR');

  addConfigOptions(models.command('list').description('Known models and whether their files are in MODELS_DIR')).action(
    async (options: Record<string, unknown>) => {
      const config = configFromOptions(options);
      for (const entry of (await loadModelManifest()).models) {
        const folder = await resolveModelFolder(config.modelsDir, entry);
        const state = folder.present
          ? 'present'
          : entry.source.kind === 'generated'
            ? 'generated on first start'
            : `missing (${folder.missingFiles.length} files${entry.source.kind === 'converted' ? '; pull downloads the PyTorch checkpoint and converts it' : ''})`;
        console.log(`${entry.id.padEnd(40)} ${entry.task.padEnd(20)} ${state}${entry.demo ? '  [demo]' : ''}`);
      }
    },
  );

  addConfigOptions(
    models.command('pull <id>').description('Download a model folder from the Hugging Face hub into MODELS_DIR/<id>'),
  ).action(async (id: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const entry = findModelEntry(await loadModelManifest(), id);
    if (entry.source.kind === 'generated') {
      await ensureTinyModels({ modelsDir: config.modelsDir, log: console.log });
      return;
    }
    let lastFile = '';
    await pullModel({
      modelsDir: config.modelsDir,
      entry,
      onProgress: (progress) => {
        if (progress.file !== lastFile) process.stderr.write(`\n${progress.file} `);
        lastFile = progress.file;
        const percent = progress.totalBytes
          ? ` ${Math.floor((100 * progress.receivedBytes) / progress.totalBytes)}%`
          : '';
        process.stderr.write(`\r${progress.file} ${(progress.receivedBytes / 1_048_576).toFixed(1)} MB${percent}   `);
      },
    });
    console.log(`\n${id}: downloaded into ${config.modelsDir}`);
  });

  addConfigOptions(
    models
      .command('convert <folder>')
      .description(
        'Convert a PyTorch CLIP checkpoint (Hugging Face model.safetensors, or open_clip) into an ONNX model folder in MODELS_DIR',
      )
      .option(
        '--id <owner/name>',
        'model id: the folder under MODELS_DIR (a manifest id such as vinid/plip makes it usable as IMAGE_TEXT_ENCODER)',
      )
      .option(
        '--tokenizer <folder>',
        'a folder with the CLIP tokenizer.json, when the checkpoint has none (default: MODELS_DIR/Xenova/clip-vit-base-patch32)',
      ),
  ).action(async (folder: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const modelId = String(options.id ?? `local/${path.basename(path.resolve(folder))}`);
    if (!modelIdSchema.safeParse(modelId).success)
      throw new PathLensError('invalid_request', `--id must look like "owner/name" (got "${modelId}").`);
    const outputFolder = modelFolderPath(config.modelsDir, modelId);
    const tokenizerFolder =
      (options.tokenizer as string | undefined) ?? modelFolderPath(config.modelsDir, 'Xenova/clip-vit-base-patch32');
    const result = await convertClipCheckpoint({
      checkpointFolder: folder,
      outputFolder,
      tokenizerFolder,
      modelId,
      log: console.log,
    });
    console.log(
      `${modelId}: ${result.format} checkpoint converted into ${outputFolder} (${result.architecture.projectionDim}-d embeddings)`,
    );
  });

  addConfigOptions(
    models
      .command('quantize <id>')
      .description(
        "Write int8 copies (onnx/<name>_quantized.onnx, dtype q8) of a model's fp32 ONNX files, by ONNX Runtime's dynamic quantization; use them with ENCODER_DTYPE=q8 or CHAT_DTYPE=q8",
      )
      .option(
        '--per-column',
        'one weight scale per output column instead of one per matrix (closer to fp32, same speed)',
      )
      .option('--exclude <weights>', "comma-separated weight names whose MatMul stays fp32 (ORT's nodes_to_exclude)"),
  ).action(async (id: string, options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    if (!modelIdSchema.safeParse(id).success)
      throw new PathLensError('invalid_request', `The model id must look like "owner/name" (got "${id}").`);
    // Any folder under MODELS_DIR (a converted `local/…` model too). A generated model is made with its q8 twins.
    const entry = (await loadModelManifest()).models.find((candidate) => candidate.id === id);
    if (entry?.source.kind === 'generated') {
      const folders = await ensureTinyModels({ modelsDir: config.modelsDir });
      console.log(`${id}: generated with its int8 files (dtype q8) in ${JSON.stringify(folders)}.`);
      return;
    }
    const folder = modelFolderPath(config.modelsDir, id);
    const files = await quantizeModelFolder(folder, {
      perColumn: options.perColumn === true,
      excludeWeights: String(options.exclude ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
      log: console.log,
    });
    console.log(
      `${id}: ${files.length} int8 file(s) in ${folder}; load them with dtype q8 (ENCODER_DTYPE / CHAT_DTYPE).`,
    );
  });

  addConfigOptions(
    models
      .command('tiny')
      .description('Generate the tiny demo models (deterministic; used by tests and when no real model is present)'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const folders = await ensureTinyModels({ modelsDir: config.modelsDir, log: console.log });
    console.log(JSON.stringify(folders));
  });
}
