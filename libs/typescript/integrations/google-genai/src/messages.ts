/**
 * @google/genai payloads in the GenAI chat shape (the Python SDK's
 * `spanscope.google_genai._messages`). Pure functions over plain data.
 *
 * The JS client speaks camelCase (`functionCall`, `usageMetadata`); the Python SDK's objects
 * dump as snake_case. Requests and responses are recorded snake_cased (`snake`), so a span's
 * inputs and outputs read the same from either SDK; the rules below read snake_case keys,
 * with camelCase accepted.
 */
import { isObject, textPart, toolCallPart, toolResponsePart, type ChatMessage, type Part, type Usage } from "@spanscope/tracing";

type Obj = Record<string, unknown>;

const ROLES: Record<string, string> = { model: "assistant" };
// Gemini's finish reasons as the GenAI conventions name them; others are kept, in lower case.
const FINISH: Record<string, string> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  MALFORMED_FUNCTION_CALL: "error",
};
const PART_KINDS = ["executable_code", "code_execution_result", "tool_call", "tool_response"];
// Values that are the caller's own data (function arguments, results, JSON schemas): their
// keys are kept as they are.
const OPAQUE = new Set(["args", "response", "parameters", "parameters_json_schema", "response_schema", "response_json_schema", "labels"]);

function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `value` as JSON with snake_case keys (the caller's own data left alone) and no nulls. */
export function snake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snake);
  if (!isObject(value)) return value;
  const json = typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON(): unknown }).toJSON() : value;
  if (!isObject(json)) return snake(json);
  const out: Obj = {};
  for (const [key, item] of Object.entries(json)) {
    if (item === undefined || item === null || typeof item === "function") continue;
    const name = snakeKey(key);
    out[name] = OPAQUE.has(name) ? item : snake(item);
  }
  return out;
}

/** `obj[snake_name]` or `obj[camelName]`; undefined when absent or null. */
export function field(obj: unknown, name: string): unknown {
  if (!isObject(obj)) return undefined;
  const value = obj[name] ?? obj[name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
  return value === null ? undefined : value;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

// -- the request ------------------------------------------------------------------------------

/** A span's inputs: the call's parameters snake_cased, as the Python SDK's typed parameters
 * dump, without `config.http_options` (its headers may carry credentials) or the abort signal. */
export function requestInputs(params: unknown): unknown {
  const inputs = snake(params);
  if (isObject(inputs) && isObject(inputs.config)) {
    delete inputs.config.http_options;
    delete inputs.config.abort_signal;
  }
  return inputs;
}

/** The requested model, without the `models/` prefix (the API answers with the short name). */
export function requestModel(params: unknown): string | undefined {
  const model = field(params, "model");
  return typeof model === "string" ? model.replace(/^models\//, "") : undefined;
}

function isContent(item: unknown): boolean {
  return isObject(item) && ("parts" in item || "role" in item);
}

/** `contents` (a string, a part, a Content or a list of them) as GenAI messages; strings and
 * loose parts in a row make one user message, as the SDK sends them. */
export function contentMessages(contents: unknown): ChatMessage[] | undefined {
  if (contents === undefined || contents === null) return undefined;
  const items = Array.isArray(contents) ? contents : [contents];
  const messages: ChatMessage[] = [];
  let loose: Part[] = [];
  for (const item of items) {
    if (isContent(item)) {
      if (loose.length) messages.push({ role: "user", parts: loose });
      loose = [];
      messages.push(message(item));
    } else loose.push(part(item));
  }
  if (loose.length) messages.push({ role: "user", parts: loose });
  return messages.length ? messages : undefined;
}

function message(content: unknown): ChatMessage {
  const role = (field(content, "role") as string | undefined) || "user";
  const parts = (field(content, "parts") as unknown[] | undefined) ?? [];
  return { role: ROLES[role] ?? role, parts: parts.map(part) };
}

/** `config.systemInstruction` (a string, parts or a Content) as one system message. */
export function systemMessages(instruction: unknown): ChatMessage[] | undefined {
  if (instruction === undefined || instruction === null || instruction === "" || (Array.isArray(instruction) && !instruction.length)) return undefined;
  let parts: Part[];
  if (isContent(instruction)) parts = ((field(instruction, "parts") as unknown[] | undefined) ?? []).map(part);
  else if (Array.isArray(instruction)) parts = instruction.map(part);
  else parts = [part(instruction)];
  return [{ role: "system", parts }];
}

/** `config.tools`: `{type: "function", name, description, parameters}` per function
 * declaration; built-in tools (`googleSearch`, `codeExecution`, ...) by their kind. */
export function toolDefinitions(tools: unknown): unknown[] | undefined {
  if (!Array.isArray(tools) || !tools.length) return undefined;
  const definitions: unknown[] = [];
  for (const tool of tools) {
    const data = snake(tool);
    if (!isObject(data)) {
      definitions.push({ type: "function", name: String(data) });
      continue;
    }
    for (const declaration of (data.function_declarations as unknown[] | undefined) ?? []) definitions.push(declarationOf(declaration));
    for (const [kind, value] of Object.entries(data)) {
      if (kind === "function_declarations") continue;
      const empty = value === undefined || (isObject(value) && !Object.keys(value).length);
      definitions.push(empty ? { type: kind } : { type: kind, config: value });
    }
  }
  return definitions.length ? definitions : undefined;
}

function declarationOf(declaration: unknown): Obj {
  if (!isObject(declaration)) return { type: "function", name: String(declaration) };
  const definition: Obj = { type: "function", name: declaration.name ?? null };
  if (declaration.description !== undefined) definition.description = declaration.description;
  const parameters = declaration.parameters_json_schema ?? declaration.parameters;
  if (parameters !== undefined) definition.parameters = parameters;
  return definition;
}

// -- parts ------------------------------------------------------------------------------------

/** One part (a Part or a string) as a GenAI part. */
export function part(value: unknown): Part {
  if (typeof value === "string") return textPart(value);
  const data = snake(value);
  if (!isObject(data)) return { type: typeof value };
  if (data.text !== undefined) return data.thought ? { type: "reasoning", content: data.text } : textPart(data.text);
  const call = data.function_call;
  if (isObject(call)) return toolCallPart(call.id, call.name, call.args ?? {});
  const response = data.function_response;
  if (isObject(response)) {
    const result = toolResponsePart(response.id, response.response);
    if (response.name) result.name = response.name; // Gemini often sends no call ids
    return result;
  }
  const inline = data.inline_data;
  if (isObject(inline)) {
    return { type: "blob", modality: modality(inline.mime_type), mime_type: inline.mime_type ?? null, content: inline.data ?? null };
  }
  const file = data.file_data;
  if (isObject(file)) return { type: "uri", modality: modality(file.mime_type), mime_type: file.mime_type ?? null, uri: file.file_uri ?? null };
  for (const kind of PART_KINDS) if (kind in data) return { type: kind, ...(isObject(data[kind]) ? data[kind] : {}) };
  return data;
}

function modality(mimeType: unknown): string | null {
  if (typeof mimeType !== "string" || !mimeType.includes("/")) return null;
  const kind = mimeType.split("/", 1)[0] as string;
  return ["image", "video", "audio"].includes(kind) ? kind : mimeType;
}

// -- the response -----------------------------------------------------------------------------

/** A span's outputs: the response snake_cased, without the HTTP response's headers. */
export function responseOutputs(response: unknown): unknown {
  const data = snake(response);
  if (isObject(data)) delete data.sdk_http_response;
  return data;
}

function candidates(response: unknown): unknown[] {
  const list = field(response, "candidates");
  return Array.isArray(list) ? list : [];
}

/** The conversation of automatic function calling, when the SDK ran the caller's functions. */
export function afcHistory(response: unknown): ChatMessage[] | undefined {
  const history = field(response, "automatic_function_calling_history");
  return Array.isArray(history) && history.length ? contentMessages(history) : undefined;
}

/** One GenAI assistant message per candidate. */
export function outputMessages(response: unknown): ChatMessage[] {
  return candidates(response).map((candidate) => {
    const parts = field(field(candidate, "content"), "parts");
    return { role: "assistant", parts: Array.isArray(parts) ? parts.map(part) : [] };
  });
}

/** Each candidate's finish reason in GenAI terms (`tool_call` when it stopped to call a
 * function); null where it has none yet. */
export function finishReasons(response: unknown): (string | null)[] {
  return candidates(response).map((candidate) => {
    const reason = field(candidate, "finish_reason");
    if (typeof reason !== "string" || !reason) return null;
    const mapped = FINISH[reason.toUpperCase()] ?? reason.toLowerCase();
    const parts = field(field(candidate, "content"), "parts");
    const calls = Array.isArray(parts) && parts.some((p) => field(p, "function_call") !== undefined);
    return mapped === "stop" && calls ? "tool_call" : mapped;
  });
}

/** [response model, response id]. */
export function responseIds(response: unknown): [unknown, unknown] {
  return [field(response, "model_version"), field(response, "response_id")];
}

/** Token usage: input includes cached and built-in tools' prompts; output includes thoughts. */
export function usage(response: unknown): Usage | undefined {
  const counts = field(response, "usage_metadata");
  if (counts === undefined) return undefined;
  const prompt = count(field(counts, "prompt_token_count"));
  const toolPrompt = count(field(counts, "tool_use_prompt_token_count"));
  const generated = count(field(counts, "candidates_token_count"));
  const thoughts = count(field(counts, "thoughts_token_count"));
  return {
    inputTokens: prompt === undefined && toolPrompt === undefined ? undefined : (prompt ?? 0) + (toolPrompt ?? 0),
    outputTokens: generated === undefined ? undefined : generated + (thoughts ?? 0),
    cacheReadTokens: count(field(counts, "cached_content_token_count")),
    reasoningTokens: thoughts,
  };
}

/** Input tokens of an embedding call: the Gemini API's usage metadata, or the sum of Vertex
 * AI's per-embedding statistics. */
export function embeddingUsage(response: unknown): Usage | undefined {
  const counts = field(response, "usage_metadata") ?? field(field(response, "metadata"), "usage_metadata");
  if (counts !== undefined) {
    const tokens = count(field(counts, "prompt_token_count"));
    return tokens === undefined ? undefined : { inputTokens: tokens };
  }
  const embeddings = field(response, "embeddings");
  const numbers = (Array.isArray(embeddings) ? embeddings : [])
    .map((e) => count(field(field(e, "statistics"), "token_count")))
    .filter((n): n is number => n !== undefined);
  return numbers.length ? { inputTokens: numbers.reduce((a, b) => a + b, 0) } : undefined;
}

// -- streams ----------------------------------------------------------------------------------

/** The response stream chunks add up to (snake_cased): each candidate's parts joined in order
 * (adjacent text of one kind put together), the last finish reason, usage, model and id. */
export function assemble(chunks: unknown[]): Obj | undefined {
  let response: Obj | undefined;
  const merged = new Map<number, Obj & { content: { role: string; parts: Obj[] } }>();
  for (const chunk of chunks) {
    const data = snake(chunk);
    if (!isObject(data)) continue;
    response ??= {};
    for (const key of ["usage_metadata", "model_version", "response_id", "prompt_feedback"]) if (data[key] !== undefined) response[key] = data[key];
    const history = data.automatic_function_calling_history;
    if (Array.isArray(history) && history.length) response.automatic_function_calling_history = history;
    const list = Array.isArray(data.candidates) ? data.candidates : [];
    list.forEach((candidate: unknown, position: number) => {
      if (!isObject(candidate)) return;
      const index = typeof candidate.index === "number" ? candidate.index : position;
      let target = merged.get(index);
      if (!target) {
        target = { content: { role: "model", parts: [] } };
        merged.set(index, target);
      }
      const content = isObject(candidate.content) ? candidate.content : {};
      if (typeof content.role === "string" && content.role) target.content.role = content.role;
      for (const piece of Array.isArray(content.parts) ? content.parts : []) addPart(target.content.parts, piece);
      for (const [key, value] of Object.entries(candidate)) if (key !== "content") target[key] = value;
    });
  }
  if (response === undefined) return undefined;
  return { candidates: [...merged.keys()].sort((a, b) => a - b).map((i) => merged.get(i)), ...response };
}

function addPart(parts: Obj[], piece: unknown): void {
  if (!isObject(piece)) return;
  const last = parts[parts.length - 1];
  if (
    last !== undefined &&
    typeof piece.text === "string" &&
    typeof last.text === "string" &&
    Boolean(last.thought) === Boolean(piece.thought) &&
    Object.keys(last).every((k) => k === "text" || k === "thought")
  ) {
    last.text += piece.text;
    return;
  }
  parts.push({ ...piece });
}
