import type { Citation, EvidenceItem } from '../api/api-types.ts';

const citationGroup = /\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]/g;

/**
 * An answer's text with every `[n]` as a button. A citation the server marked unsupported (no
 * such evidence) is struck through and flagged; while streaming, before the check, citations
 * that name existing evidence already work.
 */
export function AnswerText({
  text,
  evidence,
  citations,
  onCite,
  onHover,
}: {
  text: string;
  evidence: EvidenceItem[];
  citations: Citation[] | undefined;
  onCite: (item: EvidenceItem) => void;
  onHover: (item: EvidenceItem | null) => void;
}) {
  const parts: preact.ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(citationGroup)) {
    parts.push(text.slice(last, match.index));
    const numbers = match[1]!.split(/[,;]/).map((part) => Number(part.trim()));
    parts.push(
      <span class="citation-group" key={`${match.index}`}>
        [
        {numbers.map((n, index) => {
          const item = evidence.find((candidate) => candidate.n === n);
          const supported = citations
            ? (citations.find((citation) => citation.n === n)?.supported ?? item !== undefined)
            : item !== undefined;
          return (
            <>
              {index > 0 && ', '}
              {supported && item ? (
                <button
                  type="button"
                  class="citation"
                  data-n={n}
                  data-kind={item.kind}
                  title={`Show evidence [${n}]`}
                  onClick={() => onCite(item)}
                  onMouseEnter={() => onHover(item)}
                  onMouseLeave={() => onHover(null)}
                  onFocus={() => onHover(item)}
                  onBlur={() => onHover(null)}
                >
                  {n}
                </button>
              ) : (
                <span
                  class="citation citation-unsupported"
                  data-n={n}
                  title={`[${n}] is not in the evidence list: disregard the statement it supports`}
                >
                  {n}⚠
                </span>
              )}
            </>
          );
        })}
        ]
      </span>,
    );
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return <div class="answer-text">{parts}</div>;
}
