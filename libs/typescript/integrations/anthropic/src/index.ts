/**
 * @spanscope/anthropic: `tracedAnthropic(client)` traces `messages.create` (streamed or not),
 * `messages.stream()`, `messages.parse()` and the same on `client.beta.messages`, with the spans the Python SDK's
 * `spanscope.anthropic.autolog()` writes: tool use, cache tokens and streams included.
 */
import { HelperScope, isObject, tracedMethod, wrapMethod, type ApiSpec, type LLMCall } from "@spanscope/tracing";
import { assemble, finishReasons, inputMessages, outputMessages, requestInputs, systemMessages, toolDefinitions, usage } from "./messages.js";

const PROVIDER = "anthropic";

/** `.stream()` and `.parse()` call `create`: that span is named and recorded as theirs. */
const helpers = new HelperScope();

function recordMessage(call: LLMCall, message: unknown, complete = true): void {
  call.setOutputMessages(outputMessages(message), finishReasons(message));
  call.setUsage(usage(message, complete));
  const model = isObject(message) ? message.model : undefined;
  const id = isObject(message) ? message.id : undefined;
  call.setResponse(model, id);
}

function messagesSpec(prefix: string): ApiSpec {
  return {
    spanName: (helper) => `${prefix}.${helper ?? "create"}`,
    helpers,
    provider: PROVIDER,
    operation: "chat",
    inputs: requestInputs,
    request(call, body) {
      const messages = inputMessages(isObject(body) ? body.messages : undefined);
      const system = systemMessages(isObject(body) ? body.system : undefined);
      if (messages !== undefined || system !== undefined) call.setInputMessages(messages ?? [], system);
      call.setTools(toolDefinitions(isObject(body) ? body.tools : undefined));
    },
    response(call, message) {
      recordMessage(call, message);
      return message;
    },
    finishStream(call, events) {
      const [message, complete] = assemble(events);
      if (message === undefined) return undefined;
      recordMessage(call, message, complete);
      return message;
    },
  };
}

function wrapMessages(resource: unknown, prefix: string): void {
  const spec = messagesSpec(prefix);
  wrapMethod(resource, "create", (original) => tracedMethod(spec, original));
  wrapMethod(resource, "stream", (original) => helpers.wrap("stream", original));
  wrapMethod(resource, "parse", (original) => helpers.wrap("parse", original));
}

/**
 * Trace `client` (an `Anthropic` instance) in place and return it. Only this client is
 * traced; calling it twice is harmless.
 */
export function tracedAnthropic<T extends object>(client: T): T {
  const c = client as { messages?: object; beta?: { messages?: object } };
  wrapMessages(c.messages, "anthropic.messages");
  wrapMessages(c.beta?.messages, "anthropic.beta.messages");
  return client;
}

export { assemble, usage } from "./messages.js";
