import type { Command } from 'commander';
import { ensureTinyModels, findModelEntry, loadModelManifest, pullModel, resolveModelFolder } from '@pathlens/models';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

export function modelsCommand(program: Command): void {
  const models = program.command('models').description('List, download and generate models in MODELS_DIR');

  addConfigOptions(models.command('list').description('Known models and whether their files are in MODELS_DIR')).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    for (const entry of (await loadModelManifest()).models) {
      const folder = await resolveModelFolder(config.modelsDir, entry);
      const state = folder.present ? 'present' : entry.source.kind === 'generated' ? 'generated on first start' : `missing (${folder.missingFiles.length} files)`;
      console.log(`${entry.id.padEnd(40)} ${entry.task.padEnd(20)} ${state}${entry.demo ? '  [demo]' : ''}`);
    }
  });

  addConfigOptions(models.command('pull <id>').description('Download a model folder from the Hugging Face hub into MODELS_DIR/<id>')).action(async (id: string, options: Record<string, unknown>) => {
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
        const percent = progress.totalBytes ? ` ${Math.floor((100 * progress.receivedBytes) / progress.totalBytes)}%` : '';
        process.stderr.write(`\r${progress.file} ${(progress.receivedBytes / 1_048_576).toFixed(1)} MB${percent}   `);
      },
    });
    console.log(`\n${id}: downloaded into ${config.modelsDir}`);
  });

  addConfigOptions(models.command('tiny').description('Generate the tiny demo models (deterministic; used by tests and when no real model is present)')).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const folders = await ensureTinyModels({ modelsDir: config.modelsDir, log: console.log });
    console.log(JSON.stringify(folders));
  });
}
