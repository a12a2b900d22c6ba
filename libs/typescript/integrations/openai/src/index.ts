/**
 * @spanscope/openai: `tracedOpenAI(client)` traces chat completions, responses and embeddings
 * of one openai client (streams and the SDK's stream helpers included) with the same spans the
 * Python SDK's `spanscope.openai.autolog()` writes.
 */
import { HelperScope, SpanAttributeKey, SpanType, tracedMethod, wrapMethod, type ApiSpec, type LLMCall } from "@spanscope/tracing";
import {
  assembleChatStream,
  chatInputMessages,
  chatOutput,
  chatTools,
  get,
  requestInputs,
  usage,
  type Output,
} from "./messages.js";
import { assembleResponsesStream, responsesError, responsesInputMessages, responsesOutput, responsesTools } from "./responses.js";

const PROVIDER = "openai";
/** `parse()` calls `create`: that span is named `...parse`, as in Python. */
const helpers = new HelperScope();

function setOutput(call: LLMCall, [messages, reasons]: Output): void {
  if (messages.length === 0) return;
  const known = reasons.filter((r): r is string => Boolean(r));
  if (known.length === reasons.length) call.setOutputMessages(messages, known);
  else {
    // Some choices unfinished (a stream cut short): keep reasons with their choices.
    call.setOutputMessages(messages);
    if (known.length) call.span.setAttribute(SpanAttributeKey.GEN_AI_FINISH_REASONS, known);
  }
}

function setResponse(call: LLMCall, response: unknown): void {
  call.setUsage(usage(get(response, "usage")));
  call.setResponse(get(response, "model"), get(response, "id"));
}

function chatResponse(call: LLMCall, response: unknown): unknown {
  setResponse(call, response);
  setOutput(call, chatOutput(response));
  return response;
}

function responsesResponse(call: LLMCall, response: unknown): unknown {
  const error = responsesError(response);
  // A failed response arrives as data (HTTP 200, or a stream event), not thrown.
  if (error) call.span.recordException(error);
  setResponse(call, response);
  setOutput(call, responsesOutput(response));
  return response;
}

const CHAT: ApiSpec = {
  spanName: (helper) => `openai.chat.completions.${helper ?? "create"}`,
  helpers,
  provider: PROVIDER,
  operation: "chat",
  inputs: requestInputs,
  request(call, body) {
    call.setInputMessages(chatInputMessages(get(body, "messages")));
    call.setTools(chatTools(body));
  },
  response: chatResponse,
  finishStream: (call, chunks) => chatResponse(call, assembleChatStream(chunks)),
};

const RESPONSES: ApiSpec = {
  spanName: (helper) => `openai.responses.${helper ?? "create"}`,
  helpers,
  provider: PROVIDER,
  operation: "chat",
  inputs: requestInputs,
  request(call, body) {
    const instructions = get(body, "instructions");
    // A string is given as a message: setInputMessages reads `system` as messages.
    const system = instructions ? [{ role: "system", content: instructions }] : undefined;
    const messages = responsesInputMessages(get(body, "input"));
    if (messages.length || system) call.setInputMessages(messages, system);
    call.setTools(responsesTools(get(body, "tools")));
  },
  response: responsesResponse,
  finishStream: (call, chunks) => responsesResponse(call, assembleResponsesStream(chunks)),
};

const EMBEDDINGS: ApiSpec = {
  spanName: "openai.embeddings.create",
  provider: PROVIDER,
  operation: "embeddings",
  spanType: SpanType.EMBEDDING,
  inputs: requestInputs,
  response(call, response) {
    setResponse(call, response);
    return response;
  },
};

/**
 * Trace `client` (an `OpenAI` instance) in place and return it. Only this client is traced;
 * calling it twice is harmless. The SDK's `.stream()` helpers call `create` and are traced too.
 */
export function tracedOpenAI<T extends object>(client: T): T {
  const c = client as { chat?: { completions?: object }; responses?: object; embeddings?: object };
  wrapMethod(c.chat?.completions, "create", (original) => tracedMethod(CHAT, original));
  wrapMethod(c.chat?.completions, "parse", (original) => helpers.wrap("parse", original));
  wrapMethod(c.responses, "create", (original) => tracedMethod(RESPONSES, original));
  wrapMethod(c.responses, "parse", (original) => helpers.wrap("parse", original));
  wrapMethod(c.embeddings, "create", (original) => tracedMethod(EMBEDDINGS, original));
  return client;
}

export { assembleChatStream, chatOutput, usage } from "./messages.js";
export { assembleResponsesStream, responsesOutput } from "./responses.js";
