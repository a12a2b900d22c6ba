/**
 * @spanscope/google-genai: `tracedGoogleGenAI(client)` traces `models.generateContent`,
 * `models.generateContentStream` and `models.embedContent` of one `GoogleGenAI` client (its
 * chats call them too) with the spans the Python SDK's `spanscope.google_genai.autolog()`
 * writes.
 */
import { callObserved, guarded, runWithSpan, SpanType, startLlmSpan, traceSdkStream, wrapMethod, type LLMCall } from "@spanscope/tracing";
import {
  afcHistory,
  assemble,
  contentMessages,
  embeddingUsage,
  field,
  finishReasons,
  outputMessages,
  requestInputs,
  requestModel,
  responseIds,
  responseOutputs,
  systemMessages,
  toolDefinitions,
  usage,
} from "./messages.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: any[]) => any;

const PREFIX = "google.genai.models";
export const GEMINI = "gcp.gemini";
export const VERTEX = "gcp.vertex_ai";

/** A chat span's messages and tools from the request. */
function startChat(name: string, params: unknown, provider: string): { call: LLMCall; system: unknown } | undefined {
  const call = startLlmSpan(name, {
    provider,
    operation: "chat",
    spanType: SpanType.CHAT_MODEL,
    inputs: guarded("recording a request", () => requestInputs(params)),
    model: requestModel(params),
  });
  if (call === undefined) return undefined;
  const config = field(params, "config");
  const system = guarded("recording a request", () => systemMessages(field(config, "system_instruction")));
  guarded("recording a request", () => {
    const messages = contentMessages(field(params, "contents"));
    if (messages !== undefined || system !== undefined) call.setInputMessages(messages ?? [], system);
    call.setTools(toolDefinitions(field(config, "tools")));
  });
  return { call, system };
}

/** Record the response on the span; returns the span outputs. */
function recordResponse(call: LLMCall, system: unknown, response: unknown): unknown {
  // When the SDK ran the caller's functions itself, the exchange replaces the input messages.
  const history = afcHistory(response);
  if (history) call.setInputMessages(history, system);
  call.setOutputMessages(outputMessages(response), finishReasons(response));
  call.setUsage(usage(response));
  call.setResponse(...responseIds(response));
  return responseOutputs(response);
}

function generateContent(provider: () => string, original: Method): Method {
  return function (this: unknown, params: unknown, ...rest: unknown[]): unknown {
    const started = startChat(`${PREFIX}.generate_content`, params, provider());
    if (started === undefined) return original.call(this, params, ...rest);
    const { call, system } = started;
    return callObserved(call, () => original.call(this, params, ...rest), {
      onResult: (response) => call.end(guarded("recording a response", () => recordResponse(call, system, response)) ?? response),
      onError: (error) => call.end(undefined, error),
      onRawResponse: () => call.end(),
    });
  };
}

/**
 * The SDK's stream is an async generator: it is handed back wrapped, so the span ends when the
 * caller reads it to the end, breaks out, it fails, or it is dropped unread and collected.
 */
function generateContentStream(provider: () => string, original: Method): Method {
  return async function (this: unknown, params: unknown, ...rest: unknown[]): Promise<unknown> {
    const started = startChat(`${PREFIX}.generate_content_stream`, params, provider());
    if (started === undefined) return original.call(this, params, ...rest);
    const { call, system } = started;
    let stream: AsyncIterator<unknown>;
    try {
      stream = (await runWithSpan(call.span, () => original.call(this, params, ...rest))) as AsyncIterator<unknown>;
    } catch (error) {
      call.end(undefined, error);
      throw error;
    }
    const finish = (c: LLMCall, chunks: unknown[]): unknown => {
      const response = assemble(chunks);
      return response === undefined ? undefined : recordResponse(c, system, response);
    };
    const holder = { iterator: () => stream } as { iterator: () => AsyncIterator<unknown> } & AsyncIterableIterator<unknown>;
    if (!guarded("tracing a stream", () => traceSdkStream(holder, call, finish))) {
      call.end();
      return stream;
    }
    const traced = holder.iterator() as AsyncIterableIterator<unknown>;
    holder.next = (...args: [] | [unknown]) => traced.next(...args);
    holder.return = (value?: unknown) => (traced.return ? traced.return(value) : Promise.resolve({ done: true, value }));
    holder.throw = (error?: unknown) => (traced.throw ? traced.throw(error) : Promise.reject(error));
    holder[Symbol.asyncIterator] = () => holder;
    return holder;
  };
}

function embedContent(provider: () => string, original: Method): Method {
  return function (this: unknown, params: unknown, ...rest: unknown[]): unknown {
    const call = startLlmSpan(`${PREFIX}.embed_content`, {
      provider: provider(),
      operation: "embeddings",
      spanType: SpanType.EMBEDDING,
      inputs: guarded("recording a request", () => requestInputs(params)),
      model: requestModel(params),
    });
    if (call === undefined) return original.call(this, params, ...rest);
    return callObserved(call, () => original.call(this, params, ...rest), {
      onResult(response) {
        const outputs = guarded("recording a response", () => {
          const data = responseOutputs(response);
          call.setUsage(embeddingUsage(data));
          return data;
        });
        call.end(outputs ?? response);
      },
      onError: (error) => call.end(undefined, error),
      onRawResponse: () => call.end(),
    });
  };
}

/**
 * Trace `client` (a `GoogleGenAI` instance) in place and return it. Only this client is
 * traced; calling it twice is harmless. Chats (`client.chats.create(...)`) send through the
 * client's models and are traced as well.
 */
export function tracedGoogleGenAI<T extends object>(client: T): T {
  const c = client as { models?: object; vertexai?: unknown };
  const provider = (): string => (c.vertexai === true ? VERTEX : GEMINI);
  wrapMethod(c.models, "generateContent", (original) => generateContent(provider, original));
  wrapMethod(c.models, "generateContentStream", (original) => generateContentStream(provider, original));
  wrapMethod(c.models, "embedContent", (original) => embedContent(provider, original));
  return client;
}

export { assemble, finishReasons, outputMessages, usage } from "./messages.js";
