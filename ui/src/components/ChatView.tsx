import type { Chat, ChatPart } from "../lib/chat";
import { formatCost, formatCount } from "../lib/format";
import { JsonView } from "./JsonView";

/** An LLM span's conversation: messages by role, tool calls and results, usage. */
export function ChatView({ chat }: { chat: Chat }) {
  return (
    <div className="chat" data-testid="chat-view">
      <div className="chat-meta">
        {chat.provider && <span className="pill">{chat.provider}</span>}
        {chat.model && <span className="pill">{chat.model}</span>}
        {chat.usage && (
          <span className="pill" data-testid="token-usage">
            {formatCount(chat.usage.input)} in · {formatCount(chat.usage.output)} out ·{" "}
            {formatCount(chat.usage.total)} tokens
            {chat.usage.cacheRead ? ` · ${formatCount(chat.usage.cacheRead)} cached` : ""}
          </span>
        )}
        {chat.cost !== null && (
          <span className="pill" data-testid="call-cost">
            {formatCost(chat.cost)}
          </span>
        )}
      </div>
      {chat.messages.map((message, i) => (
        <div key={i} className={`message role-${message.role}`} data-role={message.role}>
          <div className="message-role">
            {message.role}
            {message.name && <span className="muted"> · {message.name}</span>}
            {message.finishReason && (
              <span className="muted"> · finish: {message.finishReason}</span>
            )}
          </div>
          {message.parts.map((part, j) => (
            <Part key={j} part={part} />
          ))}
        </div>
      ))}
      {chat.tools.length > 0 && (
        <details className="chat-tools">
          <summary>{chat.tools.length} tool definition(s)</summary>
          <JsonView value={chat.tools} />
        </details>
      )}
    </div>
  );
}

function Part({ part }: { part: ChatPart }) {
  switch (part.kind) {
    case "text":
      return <div className="message-text">{part.text}</div>;
    case "tool_call":
      return (
        <div className="tool-call">
          <div className="tool-head">
            ⚒ call <span className="strong">{part.name}</span>
            {part.id && <span className="muted mono"> {part.id}</span>}
          </div>
          <JsonView value={part.arguments} />
        </div>
      );
    case "tool_result":
      return (
        <div className="tool-call result">
          <div className="tool-head">
            ↩ result{part.id && <span className="muted mono"> {part.id}</span>}
          </div>
          <JsonView value={part.response} />
        </div>
      );
    case "other":
      return <JsonView value={part.value} label={part.type} />;
  }
}
