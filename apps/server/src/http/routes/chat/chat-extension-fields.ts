import { draftNotice, unsupportedNumberFlag, type CheckedAnswer, type StartedChat } from '@pathlens/assistant';
import type { Runtime } from '../../../runtime/runtime.ts';

/**
 * Top-level fields PathLens adds to OpenAI's shapes (standard clients ignore them): the
 * numbered evidence, each citation checked against it, numbers no evidence gives, the draft
 * notice and warnings. In a stream they arrive in the chunk that carries `finish_reason`.
 */
export function chatExtensionFields(runtime: Runtime, chat: StartedChat, checked: CheckedAnswer) {
  const warnings: string[] = [];
  if (runtime.models.demoWarning) warnings.push(runtime.models.demoWarning);
  const invented = checked.citations.filter((citation) => !citation.supported);
  if (invented.length)
    warnings.push(
      `The answer cites evidence that does not exist: ${invented.map((citation) => `[${citation.n}]`).join(' ')}; disregard those statements.`,
    );
  if (checked.unsupportedNumbers.length) {
    warnings.push(
      `No evidence gives these numbers in the answer: ${checked.unsupportedNumbers.join(', ')}; they are shown as "${unsupportedNumberFlag}" and are not assessable from the available evidence.`,
    );
  }
  return {
    conversation_id: chat.conversationId,
    slide_id: chat.slideId,
    /** False when the evidence did not support answering, or when the answer states a number no evidence gives. */
    answer_supported: chat.supported && checked.unsupportedNumbers.length === 0,
    grounding: chat.grounding,
    evidence: chat.evidence,
    citations: checked.citations,
    unsupported_numbers: checked.unsupportedNumbers,
    notice: draftNotice,
    warnings,
  };
}
