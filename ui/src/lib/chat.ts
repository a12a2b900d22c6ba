// Chat normalisation: an LLM / CHAT_MODEL span's conversation in one shape for the chat view.
// Spans carry OpenTelemetry GenAI messages (role + typed parts); attribute values may arrive as
// JSON text (OTLP ingest), and spans from older writers may hold OpenAI-style messages in
// their inputs instead.
import type { Span } from "../api/types";
import { GenAI, SpanKey } from "./keys";

export type ChatPart =
  | { kind: "text"; text: string }
  | { kind: "tool_call"; id: string | null; name: string; arguments: unknown }
  | { kind: "tool_result"; id: string | null; response: unknown }
  // src: a data URL shown inline; url: a remote image, offered as a link (never fetched).
  | { kind: "image"; src: string | null; url: string | null }
  | { kind: "other"; type: string; value: unknown };

export interface ChatMessage {
  role: string;
  name: string | null;
  parts: ChatPart[];
  finishReason: string | null;
}

export interface TokenUsage {
  input: number | null;
  output: number | null;
  total: number | null;
  cacheRead: number | null;
  cacheCreation: number | null;
}

/** A tool the request offered the model. */
export interface ToolDefinition {
  name: string;
  type: string | null;
  description: string | null;
  /** The JSON schema of the arguments, when the definition has one. */
  parameters: unknown;
}

export interface Chat {
  messages: ChatMessage[];
  tools: ToolDefinition[];
  model: string | null;
  provider: string | null;
  usage: TokenUsage | null;
  /** What the call cost in USD (the store's price), null when it could not be priced. */
  cost: number | null;
}

const CHAT_TYPES = new Set(["LLM", "CHAT_MODEL"]);

export function isChatSpan(span: Span): boolean {
  return CHAT_TYPES.has(span.span_type) || span.attributes[GenAI.inputMessages] !== undefined;
}

/** The span's conversation (input then output messages), or null when it has none. */
export function chatFromSpan(span: Span): Chat | null {
  const attrs = span.attributes;
  let input = toMessages(attrs[GenAI.inputMessages], "user");
  let output = toMessages(attrs[GenAI.outputMessages], "assistant");
  if (input === null && output === null) {
    input = toMessages(messagesIn(span.inputs), "user");
    output = toMessages(choicesIn(span.outputs), "assistant");
  }
  if (input === null && output === null) return null;
  const messages = [...(input ?? []), ...(output ?? [])];
  const system = toParts(parseJson(attrs[GenAI.systemInstructions]));
  if (system.length > 0 && !messages.some((m) => m.role === "system")) {
    messages.unshift({ role: "system", name: null, parts: system, finishReason: null });
  }
  const tools = toolDefinitions(attrs[GenAI.toolDefinitions] ?? toolsIn(span.inputs));
  return {
    messages,
    tools,
    model: str(attrs[GenAI.responseModel]) ?? str(attrs[GenAI.requestModel]),
    provider: str(attrs[GenAI.provider]),
    usage: usageFromAttributes(attrs),
    cost: costFromAttributes(attrs),
  };
}

export function costFromAttributes(attrs: Record<string, unknown>): number | null {
  const cost = parseJson(attrs[SpanKey.cost]);
  return isObject(cost) ? num(cost.total) : null;
}

export function usageFromAttributes(attrs: Record<string, unknown>): TokenUsage | null {
  const input = num(attrs[GenAI.inputTokens]);
  const output = num(attrs[GenAI.outputTokens]);
  if (input === null && output === null) return null;
  return {
    input,
    output,
    total: (input ?? 0) + (output ?? 0),
    cacheRead: num(attrs[GenAI.cacheReadTokens]),
    cacheCreation: num(attrs[GenAI.cacheCreationTokens]),
  };
}

export function toMessages(value: unknown, defaultRole: string): ChatMessage[] | null {
  const parsed = parseJson(value);
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? [parsed] : null;
  if (list === null) return null;
  return list.map((item) => toMessage(item, defaultRole));
}

function toMessage(item: unknown, defaultRole: string): ChatMessage {
  if (!isObject(item)) {
    return { role: defaultRole, name: null, parts: toParts(item), finishReason: null };
  }
  const role = str(item.role) ?? defaultRole;
  let parts: ChatPart[];
  if (Array.isArray(item.parts)) {
    parts = toParts(item.parts);
  } else {
    // OpenAI style: content (text or blocks), tool_calls, tool_call_id.
    parts = item.content == null ? [] : toParts(item.content);
    if (Array.isArray(item.tool_calls)) {
      for (const call of item.tool_calls) {
        if (!isObject(call)) continue;
        const fn = isObject(call.function) ? call.function : call;
        parts.push({
          kind: "tool_call",
          id: str(call.id),
          name: str(fn.name) ?? "",
          arguments: parseJson(fn.arguments),
        });
      }
    }
    if (role === "tool" && item.tool_call_id != null) {
      parts = [{ kind: "tool_result", id: str(item.tool_call_id), response: item.content }];
    }
  }
  return {
    role,
    name: str(item.name),
    parts,
    finishReason: str(item.finish_reason),
  };
}

function toParts(value: unknown): ChatPart[] {
  if (value == null) return [];
  if (!Array.isArray(value)) return [toPart(value)];
  return value.map(toPart);
}

function toPart(part: unknown): ChatPart {
  if (typeof part === "string") return { kind: "text", text: part };
  if (!isObject(part)) return { kind: "text", text: JSON.stringify(part) };
  const type = str(part.type) ?? "text";
  if (type === "text" || type === "input_text" || type === "output_text") {
    const text = part.content ?? part.text;
    return { kind: "text", text: typeof text === "string" ? text : JSON.stringify(text) };
  }
  if (type === "tool_call") {
    return {
      kind: "tool_call",
      id: str(part.id),
      name: str(part.name) ?? "",
      arguments: parseJson(part.arguments),
    };
  }
  if (type === "tool_call_response") {
    // The GenAI schema says `response`, its registry example and Pydantic AI `result`.
    const response = part.response !== undefined ? part.response : part.result;
    return { kind: "tool_result", id: str(part.id), response: parseJson(response) };
  }
  return imagePart(part, type) ?? { kind: "other", type, value: part };
}

/** An image part of any common shape, or null when the part is not an image. */
function imagePart(part: Record<string, unknown>, type: string): ChatPart | null {
  let url: string | null = null;
  if (type === "image_url" || type === "input_image") {
    // OpenAI chat ({image_url: {url}}) and responses ({image_url: "..."}).
    url = isObject(part.image_url) ? str(part.image_url.url) : str(part.image_url);
  } else if (type === "image" && isObject(part.source)) {
    // Anthropic: {source: {type: "base64", media_type, data}} or {source: {type: "url", url}}.
    const source = part.source;
    url =
      source.type === "base64"
        ? dataUrl(str(source.media_type), str(source.data))
        : str(source.url);
  } else if (type === "image") {
    url = str(part.image) ?? str(part.url); // Vercel AI SDK
  } else if ((type === "blob" || type === "uri") && part.modality === "image") {
    // OTel GenAI: {type: "blob", modality, mime_type, content} or {type: "uri", uri}.
    url = type === "blob" ? dataUrl(str(part.mime_type), str(part.content)) : str(part.uri);
  } else {
    return null;
  }
  if (url === null) return null;
  if (/^data:image\//i.test(url)) return { kind: "image", src: url, url: null };
  return { kind: "image", src: null, url };
}

function dataUrl(mimeType: string | null, base64: string | null): string | null {
  if (base64 === null) return null;
  return `data:${mimeType ?? "image/png"};base64,${base64}`;
}

export function toolDefinitions(value: unknown): ToolDefinition[] {
  const parsed = parseJson(value);
  return Array.isArray(parsed) ? parsed.map(toolDefinition) : [];
}

// OpenAI chat ({type: "function", function: {...}}), OpenAI responses and OTel GenAI (flat),
// Anthropic (input_schema) and MCP (inputSchema).
function toolDefinition(item: unknown): ToolDefinition {
  if (!isObject(item)) {
    return { name: String(item), type: null, description: null, parameters: null };
  }
  const fn = isObject(item.function) ? item.function : item;
  return {
    name: str(fn.name) ?? str(item.type) ?? "(unnamed)",
    type: str(item.type),
    description: str(fn.description),
    parameters: parseJson(fn.parameters ?? fn.input_schema ?? fn.inputSchema ?? null),
  };
}

function toolsIn(inputs: unknown): unknown {
  return isObject(inputs) && Array.isArray(inputs.tools) ? inputs.tools : undefined;
}

function messagesIn(inputs: unknown): unknown {
  return isObject(inputs) && Array.isArray(inputs.messages) ? inputs.messages : null;
}

function choicesIn(outputs: unknown): unknown {
  if (!isObject(outputs) || !Array.isArray(outputs.choices)) return null;
  return outputs.choices.map((c: unknown) => (isObject(c) ? c.message : c));
}

/** JSON text decoded to a container; anything else is returned as it is. */
export function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
