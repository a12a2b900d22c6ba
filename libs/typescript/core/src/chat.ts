/**
 * Chat messages and tool definitions normalised to the OpenTelemetry GenAI JSON form, the
 * same rules as the Python SDK's `spanscope.tracing.chat`, so the UI has one chat renderer.
 *
 * A message is `{role, parts: [...], name?, finish_reason?}`; parts are `{type: "text",
 * content}`, `{type: "tool_call", id, name, arguments}`, `{type: "tool_call_response", id,
 * response}`, `{type: "uri", modality, uri}` or any other typed part passed through.
 */
export type Part = Record<string, unknown>;
export interface ChatMessage {
  role: string;
  parts: Part[];
  [key: string]: unknown;
}

type Obj = Record<string, unknown>;

const TEXT_TYPES = new Set(["text", "input_text", "output_text"]);

export function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` decoded when it is JSON text (only to an array or object unless told otherwise). */
export function parseJson(value: unknown, containersOnly = true): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (containersOnly && !text.startsWith("{") && !text.startsWith("[")) return value;
  try {
    const parsed: unknown = JSON.parse(text);
    if (containersOnly && (parsed === null || typeof parsed !== "object")) return value;
    return parsed;
  } catch {
    return value;
  }
}

export function textPart(content: unknown): Part {
  return { type: "text", content };
}

export function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  // The GenAI schema records arguments as an object; OpenAI-style ones arrive as JSON text.
  return { type: "tool_call", id: id ?? null, name: name ?? null, arguments: parseJson(args) ?? null };
}

export function toolResponsePart(id: unknown, response: unknown): Part {
  return { type: "tool_call_response", id: id ?? null, response: response ?? null };
}

/** A list of GenAI messages from a list (or JSON text) of messages; undefined if not one. */
export function normalizeMessages(value: unknown, defaultRole: string): ChatMessage[] | undefined {
  let messages = parseJson(value);
  if (isObject(messages)) messages = [messages];
  if (!Array.isArray(messages)) return undefined;
  return messages.map((message) => normalizeMessage(message, defaultRole));
}

/** One message in GenAI form; a bare value becomes a text message of `defaultRole`. */
export function normalizeMessage(message: unknown, defaultRole: string): ChatMessage {
  if (!isObject(message)) return { role: defaultRole, parts: [textPart(message)] };
  if (Array.isArray(message.parts)) {
    return ("role" in message ? { ...message } : { role: defaultRole, ...message }) as ChatMessage;
  }
  const role = (message.role as string | undefined) || defaultRole;
  const parts: Part[] = [];
  let callId = message.tool_call_id;
  if ((callId === undefined || callId === null) && role === "tool") callId = message.id;
  if (role === "tool" || (callId !== undefined && callId !== null)) {
    parts.push(toolResponsePart(callId, message.content));
  } else {
    parts.push(...contentParts(message.content));
  }
  const calls = parseJson(message.tool_calls);
  if (Array.isArray(calls)) parts.push(...calls.map(toolCall));
  const functionCall = message.function_call; // OpenAI's pre-tools form
  if (isObject(functionCall)) parts.push(toolCallPart(null, functionCall.name, functionCall.arguments));
  const normalized: ChatMessage = { role, parts };
  if (message.name) normalized.name = message.name;
  if (message.finish_reason) normalized.finish_reason = message.finish_reason;
  return normalized;
}

/** Parts from an OpenAI / Anthropic `content`: a string, a list of blocks, or one block. */
export function contentParts(content: unknown): Part[] {
  if (content === undefined || content === null || content === "") return [];
  if (typeof content === "string") {
    const blocks = parseJson(content);
    // Some instrumentations store a block list as JSON text; plain text stays text.
    if (Array.isArray(blocks) && blocks.length > 0 && blocks.every(isBlock)) return blocks.map(part);
    return [textPart(content)];
  }
  if (Array.isArray(content)) return content.map(part);
  return [part(content)];
}

/** `{type: "function", name, description, parameters}` from OpenAI / Anthropic forms. */
export function normalizeToolDefinition(tool: unknown): unknown {
  const value = parseJson(tool);
  if (!isObject(value)) return value;
  let source: Obj;
  let schemaKey: string;
  if (isObject(value.function)) {
    source = value.function;
    schemaKey = "parameters";
  } else if ("input_schema" in value) {
    source = value;
    schemaKey = "input_schema";
  } else {
    return { ...value };
  }
  const normalized: Obj = { type: value.type || "function", name: source.name ?? null };
  if (source.description !== undefined && source.description !== null) normalized.description = source.description;
  if (schemaKey in source) normalized.parameters = source[schemaKey];
  return normalized;
}

function isBlock(value: unknown): boolean {
  return isObject(value) && typeof value.type === "string";
}

function part(block: unknown): Part {
  if (!isObject(block)) return textPart(block);
  const kind = block.type;
  if (typeof kind === "string" && TEXT_TYPES.has(kind) && "text" in block) return textPart(block.text);
  if (kind === "image_url") {
    const image = block.image_url;
    return { type: "uri", modality: "image", uri: isObject(image) ? image.url : image };
  }
  if (kind === "tool_use") return toolCallPart(block.id, block.name, block.input);
  if (kind === "tool_result") return toolResponsePart(block.tool_use_id, block.content);
  return { ...block }; // already a GenAI part, or a kind passed through as a generic part
}

function toolCall(call: unknown): Part {
  if (!isObject(call)) return toolCallPart(null, null, call);
  const source = isObject(call.function) ? call.function : call;
  return toolCallPart(call.id, source.name, source.arguments);
}
