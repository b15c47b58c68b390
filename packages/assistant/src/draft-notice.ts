/** The statement every answer and report carries, visibly. */
export const draftNotice = 'Draft for review by a pathologist, not a diagnosis.';

/** What replaces a number (size, percentage, grade, margin, count) that no evidence gives. */
export const notAssessable = 'not assessable from the available evidence';
