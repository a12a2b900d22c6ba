/**
 * The Responses API's input items, responses and stream events in the GenAI shape (the
 * Python SDK's `spanscope.openai._responses`).
 */
import { contentParts, isObject, normalizeMessage, textPart, toolCallPart, toolResponsePart, type ChatMessage, type Part } from "@spanscope/tracing";
import { get, type Output } from "./messages.js";

type Obj = Record<string, unknown>;

/** The request's `input`: a string, or items; items the model produced in a row are one turn. */
export function responsesInputMessages(value: unknown): ChatMessage[] {
  if (typeof value === "string") return [{ role: "user", parts: [textPart(value)] }];
  if (!Array.isArray(value)) return [];
  const messages: ChatMessage[] = [];
  for (const item of value) {
    if (!isObject(item)) {
      messages.push(normalizeMessage(item, "user"));
      continue;
    }
    const message = inputItem(item);
    const produced = item.type !== undefined && item.type !== null && item.type !== "message";
    if (produced && message.parts.length === 0) continue; // e.g. reasoning without a summary
    const last = messages[messages.length - 1];
    if (produced && last && message.role === "assistant" && last.role === "assistant") last.parts.push(...message.parts);
    else messages.push(message);
  }
  return messages;
}

function inputItem(item: Obj): ChatMessage {
  const kind = item.type;
  if (kind === undefined || kind === null || kind === "message") {
    return { role: (item.role as string) || "user", parts: content(item.content) };
  }
  if (kind === "function_call_output" || kind === "custom_tool_call_output") {
    return { role: "tool", parts: [toolResponsePart(item.call_id, item.output)] };
  }
  const part = itemPart(item);
  return { role: String(kind).endsWith("_output") ? "tool" : "assistant", parts: part ? [part] : [] };
}

function itemPart(item: Obj): Part | undefined {
  const kind = item.type;
  if (kind === "function_call") return toolCallPart(item.call_id, item.name, item.arguments);
  if (kind === "custom_tool_call") return toolCallPart(item.call_id, item.name, item.input);
  if (kind === "reasoning") {
    const texts = [...((item.summary as unknown[]) ?? []), ...((item.content as unknown[]) ?? [])].map((s) => get(s, "text"));
    const shown = texts.filter((t): t is string => typeof t === "string" && t.length > 0);
    return shown.length ? { type: "reasoning", content: shown.join("\n") } : undefined;
  }
  return { ...item }; // built-in tools (web search, file search, ...) as typed parts
}

function content(value: unknown): Part[] {
  return Array.isArray(value) ? value.map(contentPart) : contentParts(value);
}

function contentPart(part: unknown): Part {
  const kind = get(part, "type");
  if (kind === "refusal") return { type: "refusal", content: get(part, "refusal") ?? null };
  if (kind === "input_image" && typeof get(part, "image_url") === "string") {
    return { type: "uri", modality: "image", uri: get(part, "image_url") };
  }
  if ((kind === "input_text" || kind === "output_text") && isObject(part)) return textPart(part.text);
  return contentParts([part])[0] as Part;
}

/** Function tools as `{type, name, description, parameters}`; built-in tools unchanged. */
export function responsesTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool) => {
    if (!isObject(tool) || tool.type !== "function") return tool;
    const out: Obj = {};
    for (const key of ["type", "name", "description", "parameters"]) if (tool[key] !== undefined && tool[key] !== null) out[key] = tool[key];
    return out;
  });
}

/** One assistant message with every output item as a part, and a finish reason from the status. */
export function responsesOutput(response: unknown): Output {
  const parts: Part[] = [];
  for (const item of (get(response, "output", []) as unknown[]) ?? []) {
    if (get(item, "type") === "message") parts.push(...((get(item, "content", []) as unknown[]) ?? []).map(contentPart));
    else if (isObject(item)) {
      const part = itemPart(item);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return [[], []];
  const message: ChatMessage = { role: "assistant", parts };
  const reason = finishReason(response, parts);
  if (reason) message.finish_reason = reason;
  return [[message], [reason ?? null]];
}

function finishReason(response: unknown, parts: Part[]): string | undefined {
  const status = get(response, "status");
  if (status === "completed") return parts.some((p) => p.type === "tool_call") ? "tool_calls" : "stop";
  if (status === "incomplete") {
    const reason = get(get(response, "incomplete_details"), "reason");
    if (typeof reason !== "string") return "incomplete";
    return reason === "max_output_tokens" ? "length" : reason;
  }
  if (status === "failed") return "error";
  return status === "cancelled" ? "cancelled" : undefined;
}

/** `"<code>: <message>"` of a failed response (or a stream's error event). */
export function responsesError(response: unknown): string | undefined {
  const error = get(response, "error");
  if (error === undefined) return undefined;
  const code = get(error, "code");
  const message = get(error, "message", "");
  return code ? `${String(code)}: ${String(message)}` : String(message || JSON.stringify(error));
}

const FINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);
const START = new Set(["response.created", "response.in_progress", "response.queued"]);

/** The response a Responses API event stream adds up to (the final one, or what came so far). */
export function assembleResponsesStream(events: unknown[]): Obj {
  let final: unknown;
  let started: Obj = {};
  const items = new Map<number, Obj>();
  let error: Obj | undefined;
  for (const event of events) {
    const kind = get(event, "type") as string;
    const index = Number(get(event, "output_index", 0));
    if (FINAL.has(kind)) final = get(event, "response");
    else if (START.has(kind)) started = { ...(get(event, "response", {}) as Obj) };
    else if (kind === "response.output_item.added" || kind === "response.output_item.done") items.set(index, { ...(get(event, "item", {}) as Obj) });
    else if (kind === "response.content_part.added" || kind === "response.output_text.delta") addText(items, event, index);
    else if (kind === "response.function_call_arguments.delta") {
      const item = items.get(index) ?? { type: "function_call" };
      items.set(index, item);
      item.arguments = String(item.arguments ?? "") + String(get(event, "delta", ""));
    } else if (kind === "error") error = { code: get(event, "code") ?? null, message: get(event, "message") ?? null };
  }
  const response: Obj = final !== undefined ? { ...(final as Obj) } : { ...started };
  if (!(Array.isArray(response.output) && response.output.length) && items.size) {
    response.output = [...items.keys()].sort((a, b) => a - b).map((i) => items.get(i));
  }
  if (error && !response.error) response.error = error;
  return response;
}

function addText(items: Map<number, Obj>, event: unknown, index: number): void {
  const item = items.get(index) ?? { type: "message", role: "assistant" };
  items.set(index, item);
  const parts = [...((item.content as Obj[] | undefined) ?? [])];
  item.content = parts;
  const at = Number(get(event, "content_index", 0));
  while (parts.length <= at) parts.push({ type: "output_text", text: "" });
  if (get(event, "type") === "response.content_part.added") parts[at] = { ...(get(event, "part", {}) as Obj) };
  else {
    const part = { ...(parts[at] as Obj) };
    parts[at] = part;
    part.text = String(part.text ?? "") + String(get(event, "delta", ""));
  }
}
