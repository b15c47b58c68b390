/**
 * The PHI scrubber's rules: plain regular expressions, in the order they run. Each rule finds
 * one kind of identifier and replaces it with a placeholder; rules that key on a label ("Dr.",
 * "MRN:", "Patient:") keep the label and replace only what follows it.
 *
 * Written for English captions and report text. They aim at what teaching captions and
 * exported report snippets actually leak (a referring doctor's name, a record or accession
 * number, a date, a phone number, an e-mail address) while leaving pathology vocabulary alone:
 * measurements ("3.5 cm", "1.2 x 0.8 cm"), Gleason scores ("3+4=7"), mitotic counts
 * ("5/10 HPF"), stains ("H&E", "CK7", "Ki-67 30%"), magnifications ("20x", "x400"), TNM
 * stages ("pT2N0"), WHO edition years ("WHO 2021"). They are a safety net, not a guarantee:
 * a bare name with no title or label ("seen by Smith") is not found.
 */

/** The kinds of identifier the scrubber can remove; PHI_SCRUBBING turns each on or off. */
export const phiCategories = ['names', 'ids', 'dates', 'phones', 'emails'] as const;
export type PhiCategory = (typeof phiCategories)[number];

export const phiPlaceholders: Record<PhiCategory, string> = {
  names: '[NAME]',
  ids: '[ID]',
  dates: '[DATE]',
  phones: '[PHONE]',
  emails: '[EMAIL]',
};

export interface PhiRule {
  category: PhiCategory;
  /** What the rule is for, in words (shown in the docs and in tests). */
  description: string;
  /** Global regular expression. With a named group `keep`, that part (a label) is kept in front of the placeholder. */
  pattern: RegExp;
}

const month = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?`;
const dayOfMonth = String.raw`(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?`;
/** A capitalised name word (O'Neil, Smith-Jones) or an initial ("J."). */
const nameWord = String.raw`(?:[A-Z][a-z]*['’][A-Z]?[a-z]+|[A-Z][a-zA-Z]+(?:-[A-Z][a-zA-Z]+)?|[A-Z]\.)`;

/** A regular-expression source matching `words` in any letter case (`Name` → `[Nn][Aa][Mm][Ee]`), so name words can
 * stay case-sensitive.
 */
function caseless(words: string): string {
  return words.replace(/[A-Za-z]/g, (letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`);
}

/** Words that follow "Patient:" and similar labels but are not names (titles: the title rule has already replaced the
 * name after them).
 */
const notAName = String.raw`(?!(?:${caseless('A|An|The|This|That|No|None|Not|Unknown|Male|Female|Man|Woman|Boy|Girl|Child|Adult|Infant|Age|Aged|Years|Year|Specimen|Biopsy|History|Presents|Presented|With|See|Same|Dr|Doctor|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|MRN|MR|DOB|ID|SSN|Sex|Tel|Phone|Fax|Email|Date|Accession|Record|Hospital|Ward|Room|Bed|Case')})\b)`;
/** Labels that introduce a person's name. A bare "Name:" counts only when no word stands right before it ("Stain name:
 * Giemsa" is not a person).
 */
const nameLabel = String.raw`(?:${caseless("Patient's name|Patient name|Patient|Pt|Surgeon|Pathologist|Physician|Clinician|Consultant|Attending|Resident|Signed out by|Signed by|Referred by|Requested by|Referring physician|Referring doctor|Referring").replace(/ /g, String.raw`\s+`)}|(?<![A-Za-z][ \t]+)${caseless('Name')})`;

export const phiRules: PhiRule[] = [
  {
    category: 'emails',
    description: 'e-mail addresses (name@host.domain)',
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
  },
  {
    category: 'ids',
    description:
      'a number after a record label: MRN, MR#, medical record (number|no.), accession (no.|number|#), patient/hospital/case/specimen ID or no., SSN',
    pattern: new RegExp(
      String.raw`(?<keep>\b(?:MRN|MR\s?#|Medical\s+record(?:\s+(?:number|no\.?|#))?|Record\s+(?:number|no\.?|#)|Accession(?:\s+(?:number|no\.?|#))?|Acc\.?\s?(?:no\.?|#)|(?:Patient|Pt|Hospital|Case|Specimen|Lab|Unit)\s+(?:ID|number|no\.?|#)|SSN|Social\s+security(?:\s+number)?)\s*(?:is\s+|[:#=]\s*)?)[A-Z]{0,4}[-\s]?\d[\dA-Z/-]{2,}`,
      'gi',
    ),
  },
  {
    category: 'ids',
    description:
      'surgical pathology accession numbers: one to three letters, a two-digit year, a serial (S23-12345, SP-21-004512, CH19-88)',
    pattern: /\b[A-Z]{1,3}-?\d{2}-\d{2,7}\b/g,
  },
  {
    category: 'phones',
    description:
      'phone numbers: a label (tel, telephone, phone, fax, pager, mobile, cell phone, ext) and digits, or North American and international digit groups',
    pattern: new RegExp(
      String.raw`(?<keep>\b(?:tel(?:ephone)?|phone|fax|pager|mobile|cell\s+phone|ext)\.?\s*[:#]?\s*)\+?[\d(][\d \t().-]{5,}\d|(?<![\w.])(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|(?<![\w.])\+\d{1,3}(?:[\s.-]\d{2,4}){2,4}\b`,
      'gi',
    ),
  },
  {
    category: 'dates',
    description: 'numeric dates: 2023-04-05, 2023/04/05, 05/04/2023, 5.4.23, 05-04-2023',
    pattern:
      /(?<![\w./-])(?:\d{4}[-/.](?:1[0-2]|0?[1-9])[-/.](?:[12]\d|3[01]|0?[1-9])|(?:[12]\d|3[01]|0?[1-9])[-/.](?:[12]\d|3[01]|0?[1-9])[-/.](?:\d{4}|\d{2}))(?![\w/-]|\.\d)/g,
  },
  {
    category: 'dates',
    description: 'dates with a month name: March 3, 2021; 3 March 2021; 3rd of March; Mar 2021; March 3rd',
    pattern: new RegExp(
      String.raw`\b(?:${dayOfMonth}\s+(?:of\s+)?${month}(?:,?\s+\d{4})?|${month}\s+${dayOfMonth}(?:,?\s+\d{4})?|${month}\s+\d{4})(?![\w])`,
      'g',
    ),
  },
  {
    category: 'ids',
    description: 'a number after "#" (five digits or more), and any bare run of seven or more digits',
    pattern: /#\s?\d{5,}\b|(?<![\w.,])\d{7,}(?!\w|[.,]\d)/g,
  },
  {
    category: 'names',
    description: 'a name after a title: Dr., Doctor, Prof., Professor, Mr., Mrs., Ms., Miss, Mx.',
    pattern: new RegExp(
      String.raw`(?<keep>\b(?:Dr|Doctor|Prof|Professor|Mr|Mrs|Ms|Miss|Mx)\.?\s+)${nameWord}(?:\s+${nameWord}){0,2}`,
      'g',
    ),
  },
  {
    category: 'names',
    description:
      'a name after a label and a colon: Patient:, Name:, Patient name:, Pt:, Surgeon:, Pathologist:, Physician:, Clinician:, Attending:, Resident:, Signed (out) by:, Referred by:, Requested by:',
    pattern: new RegExp(
      String.raw`(?<keep>\b${nameLabel}[ \t]*:[ \t]*)${notAName}${nameWord}(?:,?[ \t]+${notAName}${nameWord}){0,3}`,
      'g',
    ),
  },
];
