/**
 * LangChain.js objects in spanscope's shapes (the Python SDK's `spanscope.langchain._messages`):
 * messages become OpenAI-style dicts, which the core turns into the GenAI form; documents follow
 * the retriever schema; an LLMResult yields output messages, finish reasons, usage, model and id.
 */
import { isObject, type Usage } from "@spanscope/tracing";

type Obj = Record<string, unknown>;

const ROLES: Record<string, string> = { human: "user", ai: "assistant", system: "system", developer: "developer", tool: "tool", function: "function" };
const MAX_DEPTH = 12;

export const TAGS = "langchain.tags";
export const METADATA = "langchain.metadata";
export const INVOCATION_PARAMS = "langchain.invocation_params";
export const HIDDEN_TAG = "langsmith:hidden";
// LangChain adds these to every run; they say nothing the span tree does not.
const INTERNAL_TAGS = ["seq:step:", "graph:step:", "map:key:", "langsmith:"];
const INTERNAL_METADATA = ["ls_", "lc_", "langgraph_", "checkpoint_"];
// LangChain.js adds its packages' versions to every model run's metadata.
const INTERNAL_METADATA_KEYS = new Set(["versions"]);

function messageType(value: Obj): string | undefined {
  const getType = value._getType ?? value.getType;
  if (typeof value.type === "string") return value.type;
  return typeof getType === "function" ? String((getType as () => unknown).call(value)) : undefined;
}

/** A LangChain message (anything with content and a message type). */
export function isMessage(value: unknown): value is Obj {
  return isObject(value) && "content" in value && (typeof value._getType === "function" || typeof value.getType === "function");
}

/** One LangChain message as an OpenAI-style chat message. */
export function messageToDict(message: Obj): Obj {
  let kind = messageType(message) ?? "human";
  if (kind.endsWith("MessageChunk")) kind = kind.slice(0, -"MessageChunk".length).toLowerCase();
  const role = ROLES[kind] ?? (typeof message.role === "string" ? message.role : kind);
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Obj[]) : [];
  let content = message.content;
  if (calls.length && Array.isArray(content)) {
    // Anthropic-style replies repeat each tool call as a content block; keep one copy.
    content = content.filter((b) => !(isObject(b) && (b.type === "tool_use" || b.type === "tool_call")));
  }
  const out: Obj = { role, content };
  if (calls.length) {
    out.tool_calls = calls.map((call) => ({ id: call.id ?? null, type: "function", function: { name: call.name ?? null, arguments: call.args ?? null } }));
  }
  if (message.tool_call_id !== undefined && message.tool_call_id !== null) out.tool_call_id = message.tool_call_id;
  if (message.name) out.name = message.name;
  return out;
}

/** A LangChain Document in the retriever schema (`source` doubles as `doc_uri`). */
export function documentToDict(document: unknown): Obj {
  const data = isObject(document) ? document : {};
  const metadata: Obj = { ...(isObject(data.metadata) ? data.metadata : {}) };
  if ("source" in metadata && !("doc_uri" in metadata)) metadata.doc_uri = metadata.source;
  return { page_content: String(data.pageContent ?? ""), metadata, id: data.id === undefined || data.id === null ? null : String(data.id) };
}

function isDocument(value: unknown): value is Obj {
  return isObject(value) && typeof value.pageContent === "string" && "metadata" in value;
}

/** `value` with LangChain messages, prompt values and documents made plain. */
export function toPlain(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (isMessage(value)) return messageToDict(value);
  if (isObject(value) && typeof value.toChatMessages === "function" && Array.isArray(value.messages)) {
    return (value.messages as Obj[]).map(messageToDict); // a ChatPromptValue
  }
  if (isObject(value) && typeof value.toChatMessages === "function" && typeof value.value === "string") return value.value; // a StringPromptValue
  if (isDocument(value)) return documentToDict(value);
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, depth + 1)]));
  return value;
}

/** The run's name, else the class LangChain serialised. */
export function runName(serialized: unknown, name: unknown, fallback: string): string {
  if (typeof name === "string" && name) return name;
  if (isObject(serialized)) {
    if (typeof serialized.name === "string" && serialized.name) return serialized.name;
    const ids = serialized.id;
    if (Array.isArray(ids) && ids.length) return String(ids[ids.length - 1]);
  }
  return fallback;
}

/** The user's own tags and metadata of a run, without LangChain's bookkeeping. */
export function contextAttributes(tags: string[] | undefined, metadata: Obj | undefined): Obj {
  const attributes: Obj = {};
  const own = (tags ?? []).filter((t) => !INTERNAL_TAGS.some((p) => t.startsWith(p)));
  if (own.length) attributes[TAGS] = own;
  const ownMetadata = Object.fromEntries(Object.entries(metadata ?? {}).filter(([k]) => !INTERNAL_METADATA_KEYS.has(k) && !INTERNAL_METADATA.some((p) => k.startsWith(p))));
  if (Object.keys(ownMetadata).length) attributes[METADATA] = ownMetadata;
  return attributes;
}

/** Leading system messages (the instructions) and the rest of the conversation. */
export function splitSystem(messages: Obj[]): [Obj[], Obj[]] {
  let count = 0;
  while (count < messages.length && messages[count]?.role === "system") count++;
  return [messages.slice(0, count), messages.slice(count)];
}

function firstGenerations(result: unknown): Obj[] {
  const generations = isObject(result) ? result.generations : undefined;
  return Array.isArray(generations) && Array.isArray(generations[0]) ? (generations[0] as Obj[]) : [];
}

/** The reply, one OpenAI-style assistant message per choice. */
export function outputMessages(result: unknown): Obj[] {
  return firstGenerations(result).map((g) => (isObject(g.message) ? messageToDict(g.message) : { role: "assistant", content: g.text ?? "" }));
}

/** Whether a failed run replied anything before it failed (a stream's first chunks). */
export function hasReply(result: unknown): boolean {
  return firstGenerations(result).some((g) => {
    const message = g.message;
    if (!isObject(message)) return Boolean(g.text);
    const calls = message.tool_calls ?? message.invalid_tool_calls;
    return Boolean(message.content) || (Array.isArray(calls) && calls.length > 0);
  });
}

/** Why each choice stopped, from generationInfo or the message's response_metadata. */
export function finishReasons(result: unknown): (string | null)[] {
  return firstGenerations(result).map((g) => {
    const info = isObject(g.generationInfo) ? g.generationInfo : {};
    let reason = info.finish_reason;
    const metadata = isObject(g.message) && isObject(g.message.response_metadata) ? g.message.response_metadata : {};
    reason ??= metadata.finish_reason ?? metadata.stop_reason;
    return reason === undefined || reason === null ? null : String(reason);
  });
}

function first(mapping: Obj, ...keys: string[]): unknown {
  for (const key of keys) if (mapping[key] !== undefined && mapping[key] !== null) return mapping[key];
  return undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** Token usage from the message's usage_metadata, else from llmOutput. */
export function usage(result: unknown): Usage | undefined {
  for (const g of firstGenerations(result)) {
    const metadata = isObject(g.message) ? g.message.usage_metadata : undefined;
    if (isObject(metadata)) {
      const inputs = isObject(metadata.input_token_details) ? metadata.input_token_details : {};
      const outputs = isObject(metadata.output_token_details) ? metadata.output_token_details : {};
      return {
        inputTokens: num(metadata.input_tokens),
        outputTokens: num(metadata.output_tokens),
        cacheReadTokens: num(inputs.cache_read),
        cacheCreationTokens: num(inputs.cache_creation),
        reasoningTokens: num(outputs.reasoning),
      };
    }
  }
  const output = isObject(result) && isObject(result.llmOutput) ? result.llmOutput : {};
  const counts = first(output, "tokenUsage", "token_usage", "usage");
  if (!isObject(counts)) return undefined;
  const found = {
    inputTokens: num(first(counts, "promptTokens", "prompt_tokens", "input_tokens")),
    outputTokens: num(first(counts, "completionTokens", "completion_tokens", "output_tokens")),
  };
  return found.inputTokens === undefined && found.outputTokens === undefined ? undefined : found;
}

/** [model that answered, provider's response id], where LangChain kept them. */
export function responseModelAndId(result: unknown): [string | undefined, string | undefined] {
  const output = isObject(result) && isObject(result.llmOutput) ? result.llmOutput : {};
  let model = first(output, "model_name", "model");
  let id = output.id;
  const g = firstGenerations(result)[0];
  if (g && isObject(g.message) && isObject(g.message.response_metadata)) {
    const metadata = g.message.response_metadata;
    model ??= first(metadata, "model_name", "model");
    id ??= metadata.id;
  }
  // LangChain.js keeps the provider's response id as the message's id (ChatOpenAI: chatcmpl-...).
  if (id === undefined && g && isObject(g.message) && typeof g.message.id === "string") id = g.message.id;
  return [model ? String(model) : undefined, id ? String(id) : undefined];
}

/** The model asked for: LangChain's `ls_model_name`, else the invocation parameters. */
export function requestModel(metadata: Obj, params: Obj): string | undefined {
  const model = metadata.ls_model_name ?? first(params, "model", "model_name", "modelName", "model_id");
  return model ? String(model) : undefined;
}
