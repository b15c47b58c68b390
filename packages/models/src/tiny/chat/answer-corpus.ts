/**
 * Answer-style text, written for PathLens, from which the tiny chat model's bigram weights
 * are counted at generation time. Each answer ends with the tokenizer's end-of-sequence
 * token, so the model learns to stop. Citations `[1]`–`[4]` refer to evidence regions.
 *
 * The most frequent path from the start of an answer runs through "The highlighted
 * region [1] shows ...", so greedy decoding produces a cited sentence; sampling wanders
 * through the other sentences. Changing this text changes the generated weights: bump
 * `tinyModelGeneratorVersion` when you do.
 */
export const answerCorpus: readonly string[] = [
  'The highlighted region [1] shows densely packed purple nuclei consistent with lymphoid tissue.',
  'The highlighted region [1] shows sheets of atypical cells with enlarged hyperchromatic nuclei.',
  'The highlighted region [1] shows pink eosinophilic stroma with few nuclei.',
  'The highlighted region [1] shows glands lined by columnar cells. This is a draft for review by a pathologist.',
  'The highlighted region [2] shows pink fibrous stroma around the glands.',
  'The highlighted region [3] shows clear spaces of mature adipose tissue.',
  'The highlighted region [4] shows red blood cells outside the vessels, suggesting recent hemorrhage.',
  'Pink eosinophilic stroma is seen in region [2].',
  'Densely packed purple nuclei are seen in region [1], consistent with a lymphoid infiltrate.',
  'Smooth muscle bundles with elongated nuclei are seen in region [3].',
  'Red blood cells fill the vessels in region [4].',
  'Mature fat cells with thin membranes are seen in region [3].',
  'Region [1] contains crowded glands with pseudostratified nuclei. Region [2] shows desmoplastic stroma around them.',
  'Region [2] shows mucin pools with scattered floating cells.',
  'Region [3] is mostly empty background and adds little evidence.',
  'Region [4] shows necrotic debris with nuclear fragments.',
  'The nuclei in region [1] are enlarged and hyperchromatic, which raises concern for a neoplastic process.',
  'The stroma in region [2] is collagenous and pink.',
  'The glands in region [1] are crowded and irregular. This is a draft for review by a pathologist.',
  'The evidence does not support a definite diagnosis [3].',
  'The evidence supports an inflammatory process [1], but a neoplasm cannot be excluded [2].',
  'The evidence is limited to a few regions [1] [2].',
  'These findings are consistent with normal colonic mucosa [1].',
  'These findings suggest an adenocarcinoma [1], with desmoplastic stroma [2].',
  'These findings favour a reactive process [2] rather than a tumour.',
  'A lymphoid aggregate is present in region [1].',
  'A definite diagnosis requires review of the whole slide by a pathologist.',
  'Purple nuclei dominate region [1], while pink stroma fills region [2].',
  'Fat and empty background make up most of region [3].',
  'No tumour cells are seen in the retrieved regions [1] [2] [3].',
  'The retrieved regions [1] [2] show similar purple cellular areas.',
  'I cannot determine the grade from these regions alone [1].',
  'Further stains such as immunohistochemistry may help to confirm this [2].',
  'Hemorrhage is present in region [4], which may be related to the procedure.',
  'Mitotic figures are difficult to assess at this magnification [1].',
  'The mucosa in region [1] shows preserved crypt architecture.',
  'This is a draft for review by a pathologist.',
  'This is a draft for review by a pathologist, not a diagnosis.',
  'Please confirm these findings on the glass slide.',
  'Correlate with the clinical history and the full slide before reporting.',
];
