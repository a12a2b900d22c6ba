import { useState } from "react";
import type { Chat, ChatPart, ToolDefinition } from "../lib/chat";
import { formatCost, formatCount } from "../lib/format";
import { isDataImage, safeHref } from "../lib/safeUrl";
import { JsonView } from "./JsonView";
import { Markdown } from "./Markdown";
import "./markdown.css";

/** An LLM span's conversation: tools offered, messages by role, tool calls and results, usage. */
export function ChatView({ chat }: { chat: Chat }) {
  const [raw, setRaw] = useState(false);
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
        <label className="chat-raw-toggle">
          <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} />
          Raw text
        </label>
      </div>
      {chat.tools.length > 0 && <ToolDefinitions tools={chat.tools} />}
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
            <Part key={j} part={part} raw={raw} />
          ))}
        </div>
      ))}
    </div>
  );
}

/** The tools the request offered: name and description, the parameter schema folded. */
function ToolDefinitions({ tools }: { tools: ToolDefinition[] }) {
  return (
    <details className="chat-tools" data-testid="tool-definitions" open>
      <summary>
        {tools.length} tool definition{tools.length === 1 ? "" : "s"}
      </summary>
      {tools.map((tool, i) => (
        <details key={i} className="tool-definition" data-tool={tool.name}>
          <summary>
            <span className="strong mono">{tool.name}</span>
            {tool.type && tool.type !== "function" && <span className="muted"> · {tool.type}</span>}
            {tool.description && <span className="muted"> — {firstLine(tool.description)}</span>}
          </summary>
          {tool.description && tool.description.includes("\n") && (
            <div className="tool-description message-text">{tool.description}</div>
          )}
          {tool.parameters != null ? (
            <JsonView value={tool.parameters} label="parameters" />
          ) : (
            <p className="muted">No parameters.</p>
          )}
        </details>
      ))}
    </details>
  );
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length < text.length ? `${line} …` : line;
}

function Part({ part, raw }: { part: ChatPart; raw: boolean }) {
  switch (part.kind) {
    case "text":
      return raw ? <div className="message-text">{part.text}</div> : <Markdown text={part.text} />;
    case "image":
      return <ImagePart src={part.src} url={part.url} />;
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

/** An image from a data URL inline; a remote one only as a link (the UI fetches nothing). */
function ImagePart({ src, url }: { src: string | null; url: string | null }) {
  if (src !== null && isDataImage(src)) {
    return (
      <div className="chat-image">
        <img src={src} alt="attached to the message" />
      </div>
    );
  }
  const href = safeHref(url);
  if (href === null) return <div className="muted">[image]</div>;
  return (
    <div className="chat-image">
      <a href={href} target="_blank" rel="noopener noreferrer" className="remote-image">
        image: {href}
      </a>
    </div>
  );
}
