import { openAsBlob } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabelSetCatalog } from '@pathlens/retrieval';
import { connectApi, expectOk, runningServer } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

/** `pathlens classify --labels <set> (--image | --pair | --patch | --slide)`, and `pathlens label-sets`. */
export function classifyCommand(program: Command): void {
  addConfigOptions(
    program
      .command('classify')
      .description('Zero-shot class probabilities for an image, a library pair, a patch or a whole slide')
      .requiredOption('--labels <label-set>', 'label-set id (see `pathlens label-sets`)')
      .option('--image <file>', 'an image file')
      .option('--pair <id>', 'a library pair')
      .option('--patch <id>', 'a stored slide patch')
      .option('--slide <id>', 'a whole ingested slide')
      .option('--method <method>', 'for a slide: mean-embedding | patch-votes | top-k-pooling')
      .option('--top-k <count>', 'for top-k-pooling: patches pooled per class')
      .option('--json', 'print JSON')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      let response: Response;
      if (options.image) {
        const form = new FormData();
        form.append(
          'image',
          await openAsBlob(path.resolve(String(options.image))),
          path.basename(String(options.image)),
        );
        form.append('label_set', String(options.labels));
        response = await api.fetch('/v1/classify', { method: 'POST', body: form });
      } else {
        const body = {
          label_set: options.labels,
          pair_id: options.pair,
          patch_id: options.patch,
          slide_id: options.slide,
          method: options.method,
          top_k: options.topK,
        };
        response = await api.fetch('/v1/classify', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      }
      const result = (await (await expectOk(response)).json()) as {
        label_set: string;
        method?: string;
        votes?: Record<string, number>;
        classes: { id: string; name: string; probability: number; similarity: number }[];
      };
      if (options.json) return console.log(JSON.stringify(result, null, 2));
      console.log(`${result.label_set}${result.method ? ` (${result.method})` : ''}:`);
      for (const entry of result.classes)
        console.log(
          `  ${entry.probability.toFixed(3)}  ${entry.id.padEnd(12)} ${entry.name}${result.votes ? `  (${result.votes[entry.id]} patches)` : ''}`,
        );
    } finally {
      await api.close();
    }
  });

  addConfigOptions(
    program
      .command('label-sets')
      .description('The zero-shot label sets: shipped ones and those in LABEL_SETS_DIR')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    const line = (labelSet: { id: string; name: string; builtIn: boolean; classIds: string[] }) =>
      `${labelSet.id.padEnd(28)} ${labelSet.builtIn ? 'shipped' : 'yours  '}  ${labelSet.name}: ${labelSet.classIds.join(', ')}`;
    const api = await runningServer(config, options.server as string | undefined);
    if (!api) {
      // Listing label sets needs only their files: no database, no models, no network.
      const catalog = await LabelSetCatalog.load({ userDirectory: config.labelSetsDir });
      for (const labelSet of catalog.list())
        console.log(line({ ...labelSet, classIds: labelSet.classes.map((entry) => entry.id) }));
      return;
    }
    const list = (await (await expectOk(await api.fetch('/v1/label-sets'))).json()) as {
      data: { id: string; name: string; built_in: boolean; classes: { id: string }[] }[];
    };
    for (const labelSet of list.data)
      console.log(
        line({
          id: labelSet.id,
          name: labelSet.name,
          builtIn: labelSet.built_in,
          classIds: labelSet.classes.map((entry) => entry.id),
        }),
      );
  });
}
