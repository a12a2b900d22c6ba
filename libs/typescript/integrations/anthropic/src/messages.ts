/**
 * Anthropic Messages payloads in the GenAI chat shape (the Python SDK's
 * `spanscope.anthropic._messages`): pure functions over the request body, `Message` JSON and
 * stream events. `text` -> text, `thinking` -> reasoning, `tool_use` (and server / MCP
 * variants) -> tool_call, `tool_result` (and `*_tool_result`) -> tool_call_response,
 * `image` -> blob / uri; any other block is kept as a part of its own type.
 */
import { isObject, normalizeToolDefinition, parseJson, textPart, toolCallPart, toolResponsePart, type ChatMessage, type Part, type Usage } from "@spanscope/tracing";

type Obj = Record<string, unknown>;
const TOOL_CALLS = new Set(["tool_use", "server_tool_use", "mcp_tool_use"]);

function field(obj: unknown, name: string): unknown {
  return isObject(obj) ? obj[name] : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** A span's inputs: the request body as sent. */
export function requestInputs(body: unknown): unknown {
  if (!isObject(body)) return body;
  const inputs: Obj = {};
  for (const [key, value] of Object.entries(body)) if (value !== undefined) inputs[key] = value;
  return inputs;
}

/** The `messages` argument as GenAI messages; undefined unless it is an array. */
export function inputMessages(messages: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  return messages.map((message) =>
    isObject(message)
      ? { role: (message.role as string) || "user", parts: blockParts(message.content) }
      : { role: "user", parts: blockParts(message) },
  );
}

/** The `system` argument (a string or text blocks) as one system message. */
export function systemMessages(system: unknown): ChatMessage[] | undefined {
  if (system === undefined || system === null || system === "" || (Array.isArray(system) && system.length === 0)) return undefined;
  return [{ role: "system", parts: blockParts(system) }];
}

export function toolDefinitions(tools: unknown): unknown[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map(normalizeToolDefinition);
}

export function blockParts(content: unknown): Part[] {
  if (content === undefined || content === null || content === "") return [];
  if (typeof content === "string") return [textPart(content)];
  if (Array.isArray(content)) return content.map(blockPart);
  return [blockPart(content)];
}

export function blockPart(block: unknown): Part {
  if (!isObject(block)) return textPart(block);
  const kind = block.type;
  if (kind === "text") return textPart(block.text ?? null);
  if (kind === "thinking") return { type: "reasoning", content: block.thinking ?? null };
  if (typeof kind === "string" && TOOL_CALLS.has(kind)) return toolCallPart(block.id, block.name, block.input);
  if (kind === "tool_result" || (typeof kind === "string" && kind.endsWith("_tool_result"))) {
    return toolResponsePart(block.tool_use_id, block.content);
  }
  if (kind === "image") return imagePart(block);
  return { ...block };
}

function imagePart(block: Obj): Part {
  const source = block.source;
  if (!isObject(source)) return { ...block };
  if (source.type === "base64") return { type: "blob", modality: "image", mime_type: source.media_type ?? null, content: source.data ?? null };
  if (source.type === "url") return { type: "uri", modality: "image", uri: source.url ?? null };
  if (source.type === "file") return { type: "file", modality: "image", file_id: source.file_id ?? null };
  return { ...block };
}

/** The reply as one GenAI assistant message. */
export function outputMessages(message: unknown): ChatMessage[] {
  return [{ role: (field(message, "role") as string) || "assistant", parts: blockParts(field(message, "content")) }];
}

/** `stop_reason` as the finish reasons (Anthropic's own values: end_turn, tool_use, ...). */
export function finishReasons(message: unknown): string[] {
  const reason = field(message, "stop_reason");
  return typeof reason === "string" && reason ? [reason] : [];
}

/**
 * Token usage. Input tokens include cache reads and writes, as the GenAI conventions ask
 * (Anthropic's own `input_tokens` excludes them); both are also given on their own.
 * `complete` is false for a stream that ended before `message_delta`.
 */
export function usage(message: unknown, complete = true): Usage | undefined {
  const counts = field(message, "usage");
  if (!isObject(counts)) return undefined;
  const fresh = count(counts.input_tokens);
  const cacheRead = count(counts.cache_read_input_tokens);
  const cacheCreation = count(counts.cache_creation_input_tokens);
  const details = counts.output_tokens_details;
  return {
    inputTokens: fresh === undefined ? undefined : fresh + (cacheRead ?? 0) + (cacheCreation ?? 0),
    outputTokens: complete ? count(counts.output_tokens) : undefined,
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
    reasoningTokens: isObject(details) ? count(details.thinking_tokens) : undefined,
  };
}

/** The message a stream's raw events add up to, and whether it is complete. */
export function assemble(events: unknown[]): [Obj | undefined, boolean] {
  let message: Obj | undefined;
  let blocks = new Map<number, Obj>();
  const toolInputs = new Map<number, string>();
  let complete = false;
  for (const event of events) {
    const kind = field(event, "type");
    if (kind === "message_start") {
      message = { ...((field(event, "message") as Obj | undefined) ?? {}) };
      const content = Array.isArray(message.content) ? (message.content as Obj[]) : [];
      blocks = new Map(content.map((block, i) => [i, { ...block }]));
      continue;
    }
    if (message === undefined) continue;
    const index = field(event, "index");
    if (kind === "content_block_start" && typeof index === "number") {
      blocks.set(index, { ...((field(event, "content_block") as Obj | undefined) ?? {}) });
    } else if (kind === "content_block_delta" && typeof index === "number") {
      const block = blocks.get(index) ?? {};
      blocks.set(index, block);
      applyDelta(block, field(event, "delta"), index, toolInputs);
    } else if (kind === "message_delta") {
      complete = true;
      const delta = (field(event, "delta") as Obj | undefined) ?? {};
      message.stop_reason = delta.stop_reason ?? null;
      message.stop_sequence = delta.stop_sequence ?? null;
      for (const [key, value] of Object.entries(delta)) if (value !== null && value !== undefined) message[key] = value;
      // The final usage: cumulative counts, merged over those of message_start.
      const final = (field(event, "usage") as Obj | undefined) ?? {};
      const counts = isObject(message.usage) ? message.usage : {};
      const merged: Obj = { ...counts };
      for (const [key, value] of Object.entries(final)) if (value !== null && value !== undefined) merged[key] = value;
      message.usage = merged;
    }
  }
  if (message === undefined) return [undefined, false];
  for (const [index, text] of toolInputs) {
    const block = blocks.get(index);
    // Incomplete JSON (a stream cut short) stays the text received so far.
    if (text && block) block.input = parseJson(text);
  }
  message.content = [...blocks.keys()].sort((a, b) => a - b).map((i) => blocks.get(i));
  return [message, complete];
}

function applyDelta(block: Obj, delta: unknown, index: number, toolInputs: Map<number, string>): void {
  if (!isObject(delta)) return;
  const kind = delta.type;
  if (kind === "text_delta") block.text = String(block.text ?? "") + String(delta.text ?? "");
  else if (kind === "input_json_delta") toolInputs.set(index, (toolInputs.get(index) ?? "") + String(delta.partial_json ?? ""));
  else if (kind === "thinking_delta") block.thinking = String(block.thinking ?? "") + String(delta.thinking ?? "");
  else if (kind === "signature_delta") block.signature = delta.signature ?? null;
  else if (kind === "citations_delta") block.citations = [...((block.citations as unknown[]) ?? []), delta.citation ?? null];
}
