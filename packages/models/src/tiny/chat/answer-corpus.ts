/**
 * Answer-style text, written for PathLens, from which the tiny chat model's bigram weights
 * are counted at generation time. Each answer ends with the tokenizer's end-of-sequence
 * token, so the model learns to stop. Citations `[1]`–`[4]` refer to evidence regions.
 *
 * The corpus is weighted so that the most frequent path from the start of an answer is
 * "The highlighted region [1] shows dense purple nuclei." with both the real Phi-3 and the
 * generated tokenizer: greedy decoding gives that cited sentence and stops, while sampling
 * wanders through the other sentences. Changing this text changes the generated weights
 * (existing folders are regenerated: the marker fingerprints it); re-run tests/models, which
 * check the greedy answer and that greedy decoding ends from every token.
 */
export const answerCorpus: readonly string[] = [
  'The highlighted region [1] shows dense purple nuclei.',
  'The highlighted region [1] shows dense purple nuclei, consistent with lymphoid tissue.',
  'The highlighted region [1] shows dense purple nuclei in sheets of atypical cells.',
  'The highlighted region [1] shows crowded glands lined by columnar cells.',
  'The highlighted region [2] shows pink eosinophilic stroma with few nuclei.',
  'The highlighted region [2] shows pink fibrous stroma around the glands.',
  'The highlighted region [3] shows clear spaces of mature adipose tissue.',
  'The highlighted region [4] shows red blood cells outside the vessels, suggesting recent hemorrhage.',
  'Region [1] shows enlarged hyperchromatic nuclei, which raises concern for a neoplastic process.',
  'Region [2] shows desmoplastic stroma around infiltrating glands.',
  'Region [2] shows mucin pools with scattered floating cells.',
  'Region [3] shows smooth muscle bundles with elongated nuclei.',
  'Region [4] shows necrotic debris with nuclear fragments.',
  'Pink eosinophilic stroma is seen in region [2].',
  'Red blood cells fill the vessels in region [4].',
  'Mature fat cells with thin membranes are seen in region [3].',
  'Fat and empty background make up most of region [3].',
  'A lymphoid aggregate is present in region [1].',
  'The evidence does not support a definite diagnosis [3].',
  'The evidence supports an inflammatory process [1], but a neoplasm cannot be excluded [2].',
  'The retrieved regions [1] [2] show similar purple cellular areas.',
  'These findings are consistent with normal colonic mucosa [1].',
  'These findings suggest an adenocarcinoma [1] with desmoplastic stroma [2].',
  'These findings favour a reactive process [2] rather than a tumour.',
  'No tumour cells are seen in the retrieved regions [1] [2] [3].',
  'I cannot determine the grade from these regions alone [1].',
  'Further stains such as immunohistochemistry may help to confirm this [2].',
  'Mitotic figures are difficult to assess at this magnification [1].',
  'This is a draft for review by a pathologist.',
  'This is a draft for review by a pathologist, not a diagnosis.',
  'The highlighted region [1] shows dense purple nuclei. This is a draft for review by a pathologist.',
  'The highlighted region [2] shows pink stroma. Please confirm these findings on the glass slide.',
  'A definite diagnosis requires review of the whole slide by a pathologist.',
  'Please confirm these findings on the glass slide.',
  'Correlate with the clinical history and the full slide before reporting.',
];
