import { TransformersLanguageModel } from '@pathlens/language-model';
for (const dtype of ['fp32', 'q8'] as const) {
const model = await TransformersLanguageModel.load({ modelsDir: '.tmp/test-models', modelId: 'pathlens/tiny-chat', dtype, demo: true });
let text = '';
for await (const event of model.generate({ messages: [{ role: 'user', content: 'What does region [1] show?' }], maxNewTokens: 30, temperature: 0 })) if (event.type === 'text') text += event.text;
console.log(dtype, JSON.stringify(text));
await model.dispose();
}
