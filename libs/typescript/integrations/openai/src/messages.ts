/**
 * The openai client's chat requests, responses and stream chunks in the GenAI shape (the
 * Python SDK's `spanscope.openai._messages`). Pure functions over the wire JSON.
 */
import { isObject, normalizeMessage, type ChatMessage, type Usage } from "@spanscope/tracing";

type Obj = Record<string, unknown>;
/** Output messages (one per choice) and their finish reasons, in the same order. */
export type Output = [ChatMessage[], (string | null)[]];

/** `obj[key]`, or `fallback` when missing or null. */
export function get(obj: unknown, key: string, fallback?: unknown): unknown {
  if (!isObject(obj)) return fallback;
  const value = obj[key];
  return value === undefined || value === null ? fallback : value;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function count(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** The span inputs: the request body, without `extra_headers` style credentials. */
export function requestInputs(body: unknown): unknown {
  if (!isObject(body)) return body;
  const inputs: Obj = {};
  for (const [key, value] of Object.entries(body)) if (value !== undefined) inputs[key] = value;
  return inputs;
}

export function requestModel(body: unknown): string | undefined {
  const model = get(body, "model");
  return typeof model === "string" ? model : undefined;
}

/** Token usage of chat (`prompt_tokens`...) or Responses (`input_tokens`...). */
export function usage(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const inputDetails = get(value, "prompt_tokens_details") ?? get(value, "input_tokens_details");
  const outputDetails = get(value, "completion_tokens_details") ?? get(value, "output_tokens_details");
  return {
    inputTokens: count(get(value, "prompt_tokens", get(value, "input_tokens"))),
    outputTokens: count(get(value, "completion_tokens", get(value, "output_tokens"))),
    cacheReadTokens: count(get(inputDetails, "cached_tokens")),
    cacheCreationTokens: count(get(inputDetails, "cache_write_tokens")),
    reasoningTokens: count(get(outputDetails, "reasoning_tokens")),
  };
}

export function chatInputMessages(messages: unknown): ChatMessage[] {
  return Array.isArray(messages) ? messages.map((m) => chatMessage(m, "user")) : [];
}

function chatMessage(message: unknown, defaultRole: string): ChatMessage {
  const normalized = normalizeMessage(message, defaultRole);
  if (isObject(message) && message.refusal) normalized.parts.push({ type: "refusal", content: message.refusal });
  return normalized;
}

/** Tool definitions: `tools`, or the older `functions`. */
export function chatTools(body: unknown): unknown[] {
  const tools = get(body, "tools");
  if (Array.isArray(tools)) return tools;
  const functions = get(body, "functions");
  if (Array.isArray(functions)) return functions.map((f) => ({ type: "function", function: f }));
  return [];
}

/** One assistant message per choice (text, refusal, tool calls) and its finish reason. */
export function chatOutput(response: unknown): Output {
  const messages: ChatMessage[] = [];
  const reasons: (string | null)[] = [];
  const choices = [...list(get(response, "choices"))].sort((a, b) => Number(get(a, "index", 0)) - Number(get(b, "index", 0)));
  for (const choice of choices) {
    const message = chatMessage(get(choice, "message", {}), "assistant");
    const reason = get(choice, "finish_reason") as string | undefined;
    if (reason) message.finish_reason = reason;
    messages.push(message);
    reasons.push(reason ?? null);
  }
  return [messages, reasons];
}

interface ChoiceState {
  index: number;
  message: Obj;
  calls: Map<number, Obj & { function: Obj }>;
  finish_reason?: unknown;
}

/** The chat completion that stream chunks add up to (the Python SDK's assemble_chat_stream). */
export function assembleChatStream(chunks: unknown[]): Obj {
  const completion: Obj = { id: null, object: "chat.completion", model: null };
  const choices = new Map<number, ChoiceState>();
  let usageValue: unknown = null;
  for (const chunk of chunks) {
    copyFields(chunk, completion, ["id", "created", "model", "system_fingerprint"]);
    usageValue = get(chunk, "usage", usageValue);
    for (const delta of list(get(chunk, "choices"))) {
      const index = Number(get(delta, "index", 0));
      let choice = choices.get(index);
      if (!choice) {
        choice = { index, message: {}, calls: new Map() };
        choices.set(index, choice);
      }
      addDelta(choice, get(delta, "delta"));
      choice.finish_reason = get(delta, "finish_reason", choice.finish_reason);
    }
  }
  completion.choices = [...choices.keys()].sort((a, b) => a - b).map((i) => chatChoice(choices.get(i) as ChoiceState));
  completion.usage = usageValue;
  return completion;
}

function addDelta(choice: ChoiceState, delta: unknown): void {
  const message = choice.message;
  if (get(delta, "role")) message.role = get(delta, "role");
  for (const key of ["content", "refusal"]) {
    const piece = get(delta, key);
    if (typeof piece === "string" && piece) message[key] = String(message[key] ?? "") + piece;
  }
  for (const callDelta of list(get(delta, "tool_calls"))) {
    const index = Number(get(callDelta, "index", 0));
    let call = choice.calls.get(index);
    if (!call) {
      call = { function: {} };
      choice.calls.set(index, call);
    }
    for (const key of ["id", "type"]) if (get(callDelta, key)) call[key] = get(callDelta, key);
    addFunctionDelta(call.function, get(callDelta, "function"));
  }
  if (get(delta, "function_call") !== undefined) {
    const fn = (message.function_call as Obj | undefined) ?? {};
    message.function_call = fn;
    addFunctionDelta(fn, get(delta, "function_call"));
  }
}

function addFunctionDelta(fn: Obj, delta: unknown): void {
  if (get(delta, "name")) fn.name = get(delta, "name");
  fn.arguments = String(fn.arguments ?? "") + String(get(delta, "arguments", ""));
}

function chatChoice(choice: ChoiceState): Obj {
  const message: Obj = { role: "assistant", content: null, ...choice.message };
  if (choice.calls.size) {
    message.tool_calls = [...choice.calls.keys()].sort((a, b) => a - b).map((i) => ({ type: "function", ...choice.calls.get(i) }));
  }
  return { index: choice.index, message, finish_reason: choice.finish_reason ?? null };
}

function copyFields(source: unknown, target: Obj, keys: string[]): void {
  for (const key of keys) {
    const value = get(source, key);
    if (value !== undefined) target[key] = value;
  }
}
