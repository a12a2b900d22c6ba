/**
 * @spanscope/langchain: `SpanscopeCallbackHandler`, a LangChain.js callback handler recording
 * one span per run, linked by LangChain's own run ids, in the shape the Python SDK's
 * `spanscope.langchain.autolog()` writes: chains are CHAIN (output parsers PARSER), chat
 * models CHAT_MODEL, text LLMs LLM, tools TOOL, retrievers RETRIEVER. A run with no parent run
 * nests under the current spanscope span (a `trace()`d function).
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { guarded, LLMCall, parseJson, SpanAttributeKey as K, SpanType, startSpan, getCurrentActiveSpan, type LiveSpan } from "@spanscope/tracing";
import {
  contextAttributes,
  documentToDict,
  finishReasons,
  hasReply,
  HIDDEN_TAG,
  INVOCATION_PARAMS,
  messageToDict,
  outputMessages,
  requestModel,
  responseModelAndId,
  runName,
  splitSystem,
  toPlain,
  usage,
} from "./messages.js";

type Obj = Record<string, unknown>;

/** Runs LangChain started but has not ended; beyond this the oldest is ended and dropped. */
export const MAX_OPEN_RUNS = 10_000;

export class SpanscopeCallbackHandler extends BaseCallbackHandler {
  name = "SpanscopeCallbackHandler";
  private readonly runs = new Map<string, LiveSpan>();

  constructor() {
    // Awaited: a run's span exists before its children start, so they find their parent.
    super({ _awaitHandler: true });
  }

  private start(runId: string, parentRunId: string | undefined, name: string, spanType: string, inputs: unknown, attributes: Obj): LiveSpan {
    // A parent LangChain did not report to us (a hidden run) falls back to the current span.
    const parent = (parentRunId !== undefined ? this.runs.get(parentRunId) : undefined) ?? getCurrentActiveSpan();
    const span = startSpan({ name, spanType, parent: parent ?? null, attributes });
    if (inputs !== undefined) span.setInputs(inputs);
    this.runs.set(runId, span);
    if (this.runs.size > MAX_OPEN_RUNS) {
      const [oldest, stale] = this.runs.entries().next().value as [string, LiveSpan];
      this.runs.delete(oldest);
      stale.recordException(new Error("LangChain never reported the end of this run"));
      stale.end();
    }
    return span;
  }

  private close(runId: string, outputsOf: (span: LiveSpan) => unknown, error?: unknown): void {
    const span = this.runs.get(runId);
    if (span === undefined) return;
    this.runs.delete(runId);
    let outputs: unknown;
    try {
      outputs = guarded("recording a LangChain run's end", () => outputsOf(span));
    } finally {
      if (error !== undefined) span.recordException(error);
      span.end({ outputs });
    }
  }

  private startModel(
    spanType: string,
    serialized: unknown,
    inputs: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Obj | undefined,
    tags: string[] | undefined,
    metadata: Obj | undefined,
    name: string | undefined,
  ): LLMCall {
    const params: Obj = { ...((extraParams?.invocation_params as Obj | undefined) ?? {}) };
    const attributes = contextAttributes(tags, metadata);
    attributes[K.GEN_AI_PROVIDER] = String(metadata?.ls_provider || "langchain");
    attributes[K.GEN_AI_OPERATION] = spanType === SpanType.CHAT_MODEL ? "chat" : "text_completion";
    const requested = requestModel(metadata ?? {}, params);
    if (requested) attributes[K.GEN_AI_REQUEST_MODEL] = requested;
    const tools = params.tools;
    delete params.tools;
    if (Object.keys(params).length) attributes[INVOCATION_PARAMS] = params;
    const call = new LLMCall(this.start(runId, parentRunId, runName(serialized, name, "llm"), spanType, inputs, attributes));
    if (Array.isArray(tools)) call.setTools(tools);
    return call;
  }

  // -- starts ---------------------------------------------------------------------------------

  // The callback manager calls this with (chain, inputs, runId, parentRunId, tags, metadata,
  // runType, runName): not the order @langchain/core's declaration names.
  override handleChainStart(
    chain: unknown,
    inputs: unknown,
    runId: string,
    parentRunId?: unknown,
    tags?: unknown,
    metadata?: unknown,
    runType?: unknown,
    name?: unknown,
  ): void {
    guarded("recording a LangChain chain", () => {
      const tagList = Array.isArray(tags) ? tags.map(String) : undefined;
      if (tagList?.includes(HIDDEN_TAG)) return; // its children nest under its parent
      const spanType = runType === "parser" ? SpanType.PARSER : SpanType.CHAIN;
      const parent = typeof parentRunId === "string" ? parentRunId : undefined;
      const meta = metadata !== null && typeof metadata === "object" ? (metadata as Obj) : undefined;
      this.start(runId, parent, runName(chain, name, "chain"), spanType, toPlain(inputs), contextAttributes(tagList, meta));
    });
  }

  override handleChatModelStart(
    llm: unknown,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Obj,
    tags?: string[],
    metadata?: Obj,
    name?: string,
  ): void {
    guarded("recording a LangChain chat model", () => {
      const conversation = (messages[0] ?? []).map((m) => messageToDict(m as Obj));
      const call = this.startModel(SpanType.CHAT_MODEL, llm, conversation, runId, parentRunId, extraParams, tags, metadata, name);
      const [system, rest] = splitSystem(conversation);
      call.setInputMessages(rest, system.length ? system : undefined);
    });
  }

  override handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Obj,
    tags?: string[],
    metadata?: Obj,
    name?: string,
  ): void {
    guarded("recording a LangChain LLM", () => {
      const prompt = prompts.length === 1 ? prompts[0] : prompts;
      const call = this.startModel(SpanType.LLM, llm, prompt, runId, parentRunId, extraParams, tags, metadata, name);
      call.setInputMessages(prompts.map((p) => ({ role: "user", content: p })));
    });
  }

  override handleToolStart(tool: unknown, input: string, runId: string, parentRunId?: string, tags?: string[], metadata?: Obj, name?: string): void {
    guarded("recording a LangChain tool", () => {
      // Structured tools receive their arguments as JSON text: recorded as the object.
      this.start(runId, parentRunId, runName(tool, name, "tool"), SpanType.TOOL, parseJson(input), contextAttributes(tags, metadata));
    });
  }

  override handleRetrieverStart(retriever: unknown, query: string, runId: string, parentRunId?: string, tags?: string[], metadata?: Obj, name?: string): void {
    guarded("recording a LangChain retriever", () => {
      this.start(runId, parentRunId, runName(retriever, name, "retriever"), SpanType.RETRIEVER, { query }, contextAttributes(tags, metadata));
    });
  }

  // -- ends -----------------------------------------------------------------------------------

  override handleChainEnd(outputs: unknown, runId: string, _parentRunId?: string, _tags?: string[], kwargs?: { inputs?: unknown }): void {
    this.close(runId, (span) => chainOutputs(span, outputs, kwargs));
  }

  override handleChainError(error: unknown, runId: string, _parentRunId?: string, _tags?: string[], kwargs?: { inputs?: unknown }): void {
    this.close(runId, (span) => chainOutputs(span, undefined, kwargs), error);
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    this.close(runId, (span) => recordResult(span, output));
  }

  override handleLLMError(error: unknown, runId: string, _parentRunId?: string, _tags?: string[], extraParams?: Obj): void {
    // What a stream produced before it failed; a failed call without one records no reply.
    const partial = extraParams?.response;
    this.close(runId, (span) => (hasReply(partial) ? recordResult(span, partial) : undefined), error);
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.close(runId, () => toPlain(output));
  }

  override handleToolError(error: unknown, runId: string): void {
    this.close(runId, () => undefined, error);
  }

  override handleRetrieverEnd(documents: unknown[], runId: string): void {
    this.close(runId, () => documents.map(documentToDict));
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    this.close(runId, () => undefined, error);
  }
}

function chainOutputs(span: LiveSpan, outputs: unknown, kwargs: { inputs?: unknown } | undefined): unknown {
  // Streamed input is only known once the run has read it all.
  if (kwargs && "inputs" in kwargs && kwargs.inputs !== undefined) span.setInputs(toPlain(kwargs.inputs));
  return toPlain(outputs);
}

/** The reply, usage and response model on a model span; returns its outputs. */
function recordResult(span: LiveSpan, result: unknown): unknown {
  const messages = outputMessages(result);
  const call = new LLMCall(span);
  call.setOutputMessages(messages, finishReasons(result));
  call.setUsage(usage(result));
  call.setResponse(...responseModelAndId(result));
  return messages.length === 1 ? messages[0] : messages;
}

export { documentToDict, messageToDict, toPlain } from "./messages.js";
