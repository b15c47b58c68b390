import { jsonrepair } from 'jsonrepair';
import { draftNotice } from '../draft-notice.ts';

/**
 * A model's attempt at report JSON, made parseable: the outermost `{…}` (models wrap JSON in
 * prose or ``` fences), syntax repaired by `jsonrepair` (trailing commas, single quotes,
 * unquoted keys, truncation), and the draft notice set (it is fixed text, not the model's to
 * write). Returns null when no object can be recovered.
 */
export function parseReportJson(text: string): { value: Record<string, unknown>; repairs: string[] } | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  const end = text.lastIndexOf('}');
  const candidate = end > start ? text.slice(start, end + 1) : text.slice(start);
  const repairs: string[] = [];
  if (candidate.length !== text.trim().length) repairs.push('text around the JSON object removed');
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch {
    try {
      value = JSON.parse(jsonrepair(candidate));
      repairs.push('JSON syntax repaired');
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record.notice !== draftNotice) {
    record.notice = draftNotice;
    repairs.push('draft notice set');
  }
  return { value: record, repairs };
}
