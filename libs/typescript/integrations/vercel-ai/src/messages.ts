/**
 * The AI SDK's prompts, content parts, tool definitions and usage in the GenAI shape, by the
 * rules the server's Vercel mapper applies to the SDK's `ai.*` OpenTelemetry spans, so a call
 * traced here and one sent over OTLP are stored alike. Pure functions over the SDK's values.
 */
import { isObject, textPart, toolCallPart, toolResponsePart, type ChatMessage, type Part, type Usage } from "@spanscope/tracing";

type Obj = Record<string, unknown>;

const MODALITIES = new Set(["image", "audio", "video"]);

/** The request messages: the instructions (system) first, then the conversation. */
export function inputMessages(instructions: unknown, messages: unknown): { system: ChatMessage[]; messages: ChatMessage[] } {
  const system = instructionMessages(instructions);
  const conversation = Array.isArray(messages) ? messages.map(modelMessage) : [];
  return { system, messages: conversation };
}

/** `instructions`: a string, a system message, or a list of system messages. */
export function instructionMessages(instructions: unknown): ChatMessage[] {
  if (instructions === undefined || instructions === null || instructions === "") return [];
  if (typeof instructions === "string") return [{ role: "system", parts: [textPart(instructions)] }];
  const listed = Array.isArray(instructions) ? instructions : [instructions];
  return listed.map((message) => ({ ...modelMessage(message), role: "system" }));
}

/** One AI SDK `ModelMessage` (`{role, content}`, content a string or a list of parts). */
export function modelMessage(message: unknown): ChatMessage {
  if (!isObject(message)) return { role: "user", parts: [textPart(message)] };
  const content = message.content;
  let parts: Part[];
  if (Array.isArray(content)) parts = content.map(contentPart);
  else if (content === undefined || content === null || content === "") parts = [];
  else parts = [textPart(content)];
  return { role: typeof message.role === "string" && message.role ? message.role : "user", parts };
}

/** The assistant message of a model call's content parts (text, reasoning, tool calls...). */
export function outputMessage(content: unknown, finishReason: string | undefined): ChatMessage {
  const parts = Array.isArray(content) ? content.filter(isOutputPart).map(contentPart) : [];
  const message: ChatMessage = { role: "assistant", parts };
  if (finishReason) message.finish_reason = finishReason;
  return message;
}

// Tool results and approvals in a call's content are the SDK's own bookkeeping of what ran
// after the model answered (or, for provider-executed tools, what the provider ran); the
// model's message is its text, reasoning, files and tool calls.
function isOutputPart(part: unknown): boolean {
  if (!isObject(part)) return true;
  return !(["tool-result", "tool-error", "tool-approval-request", "tool-approval-response", "source"] as unknown[]).includes(part.type);
}

/** One content part: `text`, `reasoning`, `tool-call`, `tool-result`, `image`, `file`. */
export function contentPart(part: unknown): Part {
  if (!isObject(part)) return textPart(part);
  switch (part.type) {
    case "text":
      return textPart(part.text);
    case "reasoning":
      return { type: "reasoning", content: part.text };
    case "tool-call":
      return toolCallPart(part.toolCallId, part.toolName, "input" in part ? part.input : part.args);
    case "tool-result": {
      let output = "output" in part ? part.output : part.result;
      // {type: "text" | "json" | "error-text" | "error-json" | "content", value}
      if (isObject(output) && "type" in output && "value" in output) output = output.value;
      return toolResponsePart(part.toolCallId, output);
    }
    case "image":
    case "file":
      return media(part);
    default:
      return { ...part };
  }
}

function media(part: Obj): Part {
  // A generated file (call output) holds its data in `file`; a prompt part in `image` / `data`.
  const file = isObject(part.file) ? part.file : undefined;
  const data = file ? file.base64 : part.type === "image" ? part.image : part.data;
  const mime = file?.mediaType ?? part.mediaType ?? part.mimeType;
  const described: Obj = {};
  const modality = typeof mime === "string" ? mime.split("/")[0] : part.type;
  if (typeof modality === "string" && MODALITIES.has(modality)) described.modality = modality;
  if (typeof mime === "string") described.mime_type = mime;
  if (data instanceof URL) return { type: "uri", ...described, uri: data.href };
  if (typeof data === "string" && /^(https?:|data:)/.test(data)) return { type: "uri", ...described, uri: data };
  return { type: "blob", ...described, content: binaryText(data) };
}

function binaryText(data: unknown): unknown {
  if (data instanceof Uint8Array) return Buffer.from(data).toString("base64");
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data)).toString("base64");
  return data;
}

/** Tool definitions as the model got them (`{type, name, description, inputSchema}`). */
export function toolDefinitions(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool) => {
    if (!isObject(tool)) return tool;
    const definition: Obj = { type: tool.type || "function", name: tool.name ?? null };
    if (tool.description !== undefined && tool.description !== null) definition.description = tool.description;
    const schema = tool.inputSchema ?? tool.parameters;
    if (schema !== undefined) definition.parameters = schema;
    return definition;
  });
}

/** The SDK's `LanguageModelUsage` in spanscope's terms. */
export function usage(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const input = isObject(value.inputTokenDetails) ? value.inputTokenDetails : {};
  const output = isObject(value.outputTokenDetails) ? value.outputTokenDetails : {};
  return {
    inputTokens: count(value.inputTokens),
    outputTokens: count(value.outputTokens),
    cacheReadTokens: count(input.cacheReadTokens),
    cacheCreationTokens: count(input.cacheWriteTokens),
    reasoningTokens: count(output.reasoningTokens),
  };
}

/** The provider's name without the SDK's API suffix (`openai.chat` -> `openai`). */
export function providerName(provider: unknown): string {
  return typeof provider === "string" && provider ? (provider.split(".")[0] as string) : "unknown";
}

function count(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}
