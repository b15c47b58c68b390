import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/api-client.ts';
import { describeError } from '../api/api-error.ts';
import type { ChatMessage, ConversationSummary, EvidenceItem } from '../api/api-types.ts';
import { evidenceRegion } from '../state/evidence-region.ts';
import { AnswerText } from './answer-text.tsx';
import { EvidenceList } from './evidence-list.tsx';
import { findStoredTurn } from './find-stored-turn.ts';
import { inputValue } from '../shell/form-values.ts';
import type { SlidePanelProps } from '../slide-view/slide-panel-props.ts';

const draftNoticePattern = /\n*_?(Draft for review by a pathologist, not a diagnosis\.)_?\s*$/;

/**
 * Ask about the slide: answers stream in token by token, `[n]` citations pan the viewer to
 * their region, evidence is listed beside. The newest conversation of the slide is reopened on
 * load and continued. Enter sends (Shift+Enter: new line), Escape stops the generation.
 */
export function ChatPanel({ slide, state, demoWarning }: SlidePanelProps) {
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [question, setQuestion] = useState('');
  const [streamingText, setStreamingText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [activeN, setActiveN] = useState<number | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const logRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let current = true;
    setMessages([]);
    setConversationId(null);
    api.conversationsForSlide(slide.id).then(
      async (list) => {
        if (!current) return;
        setConversations(list);
        if (list[0]) await openConversation(list[0].id, () => current);
      },
      (failure: unknown) => current && setError(describeError(failure)),
    );
    return () => {
      current = false;
      abortRef.current?.abort();
    };
  }, [slide.id]);

  const lastAssistant = [...messages].reverse().find((message) => message.role === 'assistant');
  useEffect(() => {
    const cited = (lastAssistant?.citations ?? []).flatMap((citation) => {
      const item = lastAssistant?.evidence?.find((candidate) => candidate.n === citation.n);
      const region = citation.supported && item ? evidenceRegion(item) : null;
      return region && region.slideId === slide.id ? [region] : [];
    });
    state.update({ citedRegions: cited });
  }, [lastAssistant]);

  useEffect(() => {
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [messages, streamingText]);

  async function openConversation(id: string, stillWanted: () => boolean = () => true) {
    const conversation = await api.conversation(id);
    if (!stillWanted()) return;
    setConversationId(conversation.id);
    setMessages(conversation.messages.filter((message) => message.role !== 'system'));
  }

  function show(item: EvidenceItem) {
    setActiveN(item.n);
    const region = evidenceRegion(item);
    if (region && region.slideId === slide.id) state.showRegion(region);
    else if (item.kind === 'similar-slide') location.hash = `#/slides/${item.id}`;
    document.getElementById(`evidence-${item.n}`)?.scrollIntoView({ block: 'nearest' });
  }

  const hover = (item: EvidenceItem | null) => {
    const region = item ? evidenceRegion(item) : null;
    state.highlight(region && region.slideId === slide.id ? region : null);
  };

  async function send() {
    const text = question.trim();
    if (!text || abortRef.current) return; // a ref, not state: a second key press in the same frame sends nothing
    const history = [...messages, { role: 'user' as const, content: text }];
    setMessages(history);
    setQuestion('');
    setError(null);
    setNote(null);
    setStreamingText('');
    const abort = new AbortController();
    abortRef.current = abort;
    let answer = '';
    try {
      const details = await api.streamChat({
        slideId: slide.id,
        conversationId,
        messages: history.map((message) => ({ role: message.role, content: message.content })),
        signal: abort.signal,
        onText: (piece) => {
          answer += piece;
          setStreamingText(answer);
        },
      });
      if (details) {
        setMessages([
          ...history,
          {
            role: 'assistant',
            content: answer,
            evidence: details.evidence,
            citations: details.citations,
            warnings: details.warnings,
            notice: details.notice,
          },
        ]);
        if (details.conversation_id !== conversationId) {
          setConversationId(details.conversation_id);
          api.conversationsForSlide(slide.id).then(setConversations, () => {});
        }
      }
    } catch (failure) {
      if (!abort.signal.aborted) setError(describeError(failure));
      else {
        // The stop may reach the server after the answer was whole and stored: say so rather than "not stored".
        const known = conversations.map((conversation) => conversation.id);
        const stored = await findStoredTurn(slide.id, conversationId, known, text, messages.length).catch(() => null);
        if (stored) {
          setConversationId(stored.id);
          setMessages(stored.messages.filter((message) => message.role !== 'system'));
          setNote('The answer was already complete when you stopped it, so it is stored.');
          api.conversationsForSlide(slide.id).then(setConversations, () => {});
        } else {
          setMessages([
            ...history,
            {
              role: 'assistant',
              content: `${answer}\n\n(Stopped: the generation was cancelled and this answer is not stored.)`,
            },
          ]);
        }
      }
    } finally {
      abortRef.current = null;
      setStreamingText(null);
    }
  }

  const stop = () => abortRef.current?.abort();

  // Escape stops a generation wherever the focus is (the question box, the viewer, the evidence list).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') abortRef.current?.abort();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <section class="chat-panel" aria-label="Chat about this slide">
      {demoWarning && (
        <p class="demo-warning" role="note">
          {demoWarning}
        </p>
      )}
      <div class="chat-toolbar">
        <label>
          Conversation{' '}
          <select
            value={conversationId ?? ''}
            onChange={(event) => {
              const id = inputValue(event);
              if (id) void openConversation(id);
              else {
                setConversationId(null);
                setMessages([]);
              }
            }}
          >
            <option value="">New conversation</option>
            {conversations.map((conversation) => (
              <option value={conversation.id} key={conversation.id}>
                {new Date(conversation.created_at).toLocaleString('en-GB')} · {conversation.title.slice(0, 40)} (
                {conversation.message_count} messages)
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="chat-log" ref={logRef} aria-live="polite">
        {messages.length === 0 && streamingText === null && (
          <p class="hint">
            Ask about this slide, e.g. “Where is the tumour?” or “Describe the tissue.” Answers cite numbered evidence;
            click a number to see the region.
          </p>
        )}
        {messages.map((message, index) => (
          <Message key={index} message={message} onCite={show} onHover={hover} activeN={activeN} />
        ))}
        {streamingText !== null && (
          <div class="message message-assistant message-streaming" data-testid="streaming-answer">
            <AnswerText text={streamingText} evidence={[]} citations={undefined} onCite={show} onHover={hover} />
            <span class="typing" aria-label="generating">
              ▍
            </span>
          </div>
        )}
        {note && (
          <p class="hint" role="status">
            {note}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </div>
      <form
        class="chat-form"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <textarea
          aria-label="Question about this slide"
          placeholder="Ask about this slide (Enter to send, Shift+Enter for a new line, Escape to stop)"
          value={question}
          rows={2}
          onInput={(event) => setQuestion(inputValue(event))}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) {
              event.preventDefault();
              void send();
            }
          }}
        />
        {streamingText === null ? (
          <button type="submit" disabled={!question.trim() || slide.status !== 'ready'}>
            Ask
          </button>
        ) : (
          <button type="button" class="stop" onClick={stop}>
            Stop (Esc)
          </button>
        )}
      </form>
    </section>
  );
}

function Message({
  message,
  onCite,
  onHover,
  activeN,
}: {
  message: ChatMessage;
  onCite: (item: EvidenceItem) => void;
  onHover: (item: EvidenceItem | null) => void;
  activeN: number | null;
}) {
  if (message.role === 'user') return <div class="message message-user">{message.content}</div>;
  const notice = message.notice ?? draftNoticePattern.exec(message.content)?.[1] ?? null;
  const text = message.content.replace(draftNoticePattern, '');
  const evidence = message.evidence ?? [];
  const unsupported = (message.citations ?? []).filter((citation) => !citation.supported);
  return (
    <div class="message message-assistant" data-testid="assistant-message">
      <AnswerText text={text} evidence={evidence} citations={message.citations} onCite={onCite} onHover={onHover} />
      {notice && (
        <p class="draft-notice" role="note">
          {notice}
        </p>
      )}
      {unsupported.length > 0 && (
        <p class="warning">
          Cited evidence that does not exist: {unsupported.map((citation) => `[${citation.n}]`).join(' ')}; disregard
          those statements.
        </p>
      )}
      {(message.warnings ?? [])
        .filter((warning) => !/DEMO MODELS/.test(warning) && !warning.startsWith('The answer cites evidence'))
        .map((warning) => (
          <p class="warning" key={warning}>
            {warning}
          </p>
        ))}
      <EvidenceList evidence={evidence} activeN={activeN} onShow={onCite} onHover={onHover} />
    </div>
  );
}
