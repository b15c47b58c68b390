/**
 * Everyday and histology words for the generated fallback tokenizers, so that typical
 * prompts ("a photo of pink stroma", "What does region 2 show?") tokenise into known
 * words. Anything else becomes the unknown token; the tiny models are demos, not readers.
 */
export const fallbackVocabularyText: readonly string[] = [
  'a an the this that these those it its is are was were be been being has have had do does did',
  'of in on at to from by with without for and or but not no as than then there here which who what',
  'where when why how can could may might should would will shall must very more most less few many',
  'some any all each both other such same only also about above below between into out up down over',
  'I you we they he she me us them my your our their please show find describe explain tell summarise',
  'photo image picture patch tile region regions area areas slide slides field view zoom magnification',
  'tissue tissues cell cells nucleus nuclei cytoplasm membrane stain stained staining stains H E H&E',
  'normal abnormal benign malignant tumour tumor cancer carcinoma adenocarcinoma lymphoma sarcoma',
  'inflammation inflammatory necrosis necrotic debris mucin mucus mucosa mucinous gland glands crypt',
  'crypts epithelium epithelial stroma stromal muscle smooth fibrous fibrosis collagen vessel vessels',
  'blood red white pink purple blue violet dark light pale dense sparse crowded packed loose large small',
  'fat adipose adipocytes lipid background empty glass lymphocyte lymphocytes lymphoid plasma neutrophil',
  'colon colonic rectum liver lung breast skin prostate kidney stomach bowel lymph node biopsy resection',
  'diagnosis differential grade stage finding findings evidence review pathologist report draft summary',
  'yes no maybe likely unlikely possible present absent seen visible suggest suggests consistent',
  '0 1 2 3 4 5 6 7 8 9 . , ; : ? ! ( ) [ ] - / \' " % +',
];
