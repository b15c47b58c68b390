import { draftNotice, type Citation, type StartedChat } from '@pathlens/assistant';
import type { Runtime } from '../../../runtime/runtime.ts';

/**
 * Top-level fields PathLens adds to OpenAI's shapes (standard clients ignore them): the
 * numbered evidence, each citation checked against it, numbers no evidence gives, the draft
 * notice and warnings. In a stream they arrive in the chunk that carries `finish_reason`.
 */
export function chatExtensionFields(runtime: Runtime, chat: StartedChat, checked: { citations: Citation[]; unsupportedNumbers: string[] }) {
  const warnings: string[] = [];
  if (runtime.models.demoWarning) warnings.push(runtime.models.demoWarning);
  const invented = checked.citations.filter((citation) => !citation.supported);
  if (invented.length) warnings.push(`The answer cites evidence that does not exist: ${invented.map((citation) => `[${citation.n}]`).join(' ')}; disregard those statements.`);
  if (checked.unsupportedNumbers.length) warnings.push(`No evidence gives these numbers in the answer: ${checked.unsupportedNumbers.join(', ')}; treat them as not assessable from the available evidence.`);
  return {
    conversation_id: chat.conversationId,
    slide_id: chat.slideId,
    answer_supported: chat.supported,
    grounding: chat.grounding,
    evidence: chat.evidence,
    citations: checked.citations,
    unsupported_numbers: checked.unsupportedNumbers,
    notice: draftNotice,
    warnings,
  };
}
