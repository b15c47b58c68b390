import type { Command } from 'commander';
import OpenAI from 'openai';
import { connectApi } from '../api-client.ts';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

interface EvidenceLine {
  n: number;
  kind: string;
  id: string;
  score: number;
  thumbnailUrl?: string | null;
  xLevel0?: number | null;
  yLevel0?: number | null;
  caption?: string;
  label?: string;
  name?: string;
  captions?: { caption: string }[];
  imageNumber?: number;
}

interface FinalChunkExtension {
  evidence?: EvidenceLine[];
  citations?: { n: number; supported: boolean }[];
  conversation_id?: string;
  answer_supported?: boolean;
  warnings?: string[];
  notice?: string;
}

/** One evidence item as a line: what it is, where, and how to see it. */
function describe(item: EvidenceLine): string {
  switch (item.kind) {
    case 'patch':
    case 'prototype': {
      const what = item.kind === 'patch' ? 'region' : 'characteristic region';
      const caption = item.captions?.[0] ? ` ~ "${item.captions[0].caption}"` : '';
      return `${what} at (${item.xLevel0}, ${item.yLevel0})${caption}`;
    }
    case 'finding':
      return `zero-shot "${item.label}"`;
    case 'slide-facts':
      return `slide facts (${item.name})`;
    case 'similar-slide':
      return `similar slide ${item.name}`;
    case 'image':
      return `your image ${item.imageNumber}`;
    default:
      return `caption "${item.caption}"`;
  }
}

export function chatCommand(program: Command): void {
  addConfigOptions(
    program
      .command('chat <question>')
      .description('Ask about a slide; the answer streams and cites its evidence')
      .option('--slide <id>', 'slide id')
      .option('--conversation <id>', 'continue a conversation')
      .option('--max-tokens <count>', 'answer length limit', '200')
      .option('--server <url>', 'a running PathLens server'),
  ).action(async (question: string, options: Record<string, unknown>) => {
    const api = await connectApi(configFromOptions(options), options.server as string | undefined);
    try {
      // The official OpenAI client, pointed at PathLens (over HTTP or in-process).
      const client = new OpenAI({
        apiKey: 'unused',
        baseURL: 'http://pathlens.local/v1',
        fetch: (url, init) => api.fetch(String(url).replace('http://pathlens.local', ''), init as RequestInit),
      });
      const stream = await client.chat.completions.create({
        model: 'pathlens',
        stream: true,
        max_tokens: Number(options.maxTokens),
        messages: [{ role: 'user', content: question }],
        ...({ slide_id: options.slide, conversation_id: options.conversation } as object),
      });
      let final: FinalChunkExtension = {};
      for await (const chunk of stream) {
        process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
        if (chunk.choices[0]?.finish_reason) final = chunk as unknown as FinalChunkExtension;
      }
      process.stdout.write('\n\n');
      for (const warning of final.warnings ?? []) console.log(`⚠ ${warning}`);
      if (final.notice) console.log(final.notice);
      for (const item of final.evidence ?? []) {
        const cited = final.citations?.some((citation) => citation.n === item.n) ? '*' : ' ';
        const link = item.thumbnailUrl ? `  ${api.target === 'in-process' ? '' : api.target}${item.thumbnailUrl}` : '';
        console.log(`${cited}[${item.n}] ${item.kind} ${describe(item)} score ${item.score.toFixed(3)}${link}`);
      }
      const invented = final.citations?.filter((citation) => !citation.supported) ?? [];
      if (invented.length)
        console.log(`unsupported citations: ${invented.map((citation) => `[${citation.n}]`).join(' ')}`);
      console.log(`conversation: ${final.conversation_id}`);
    } finally {
      await api.close();
    }
  });
}
