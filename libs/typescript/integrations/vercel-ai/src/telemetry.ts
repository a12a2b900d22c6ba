/**
 * spanscope as an AI SDK telemetry integration: the SDK calls it at each point of a
 * `generateText` / `streamText` call (start, each model call, each tool run, end, error,
 * abort), and it records spanscope spans directly, with no OpenTelemetry in between.
 *
 * One call is one tree: the call's span (AGENT when it has tools, else CHAIN), one CHAT_MODEL
 * span per model call (per step) and one TOOL span per tool run, both children of the call's
 * span. The provider call and the tool's `execute` run with their span current, so spans
 * opened inside them (a nested `generateText` in a tool, a traced function) nest below.
 */
import {
  LLMCall,
  SpanAttributeKey as K,
  SpanType,
  guarded,
  isEnabled,
  runWithSpan,
  startSpan,
  type LiveSpan,
} from "@spanscope/tracing";
import { inputMessages, outputMessage, providerName, toolDefinitions, usage } from "./messages.js";
import { observeModelStream, type StreamObservation } from "./stream.js";

/** GenAI keys spanscope's constants do not name (the Python SDK writes them too). */
const TOOL_NAME = "gen_ai.tool.name";
const TOOL_CALL_ID = "gen_ai.tool.call.id";
const AGENT_NAME = "gen_ai.agent.name";
const SETTINGS = ["maxOutputTokens", "temperature", "topP", "topK", "presencePenalty", "frequencyPenalty", "stopSequences", "seed"];
/** Operations traced here; embeddings, reranking, speech and the rest are not (yet). */
const TEXT_OPERATIONS = new Set(["ai.generateText", "ai.streamText"]);

type Obj = Record<string, unknown>;

/** What the SDK's events carry that this integration reads (the SDK's types are wider). */
interface Event extends Obj {
  callId: string;
}

/** One model call: its span, and what the provider's raw response adds to the SDK's events. */
interface ModelCall {
  call: LLMCall;
  stream?: StreamObservation;
  rawFinishReason?: string;
}

/** One generateText / streamText call in flight. */
interface CallState {
  root: LiveSpan;
  operation: string;
  model?: ModelCall;
  tools: Map<string, LiveSpan>;
  error?: unknown;
}

function get(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? (value as Obj)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}

function defined(entries: [string, unknown][]): Obj {
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/**
 * The integration. Hand it to the SDK per call (`experimental_telemetry: { integrations:
 * spanscopeTelemetry() }`) or for every call (`registerTelemetry(spanscopeTelemetry())`).
 */
export class SpanscopeTelemetry {
  private readonly calls = new Map<string, CallState>();
  // A stream whose reader stops half-way and is dropped never reaches the SDK's end, error
  // or abort events. The call's prompt messages are held by the call for as long as it may
  // make another step, so their collection means no event will come: the call's spans end.
  private readonly abandoned = new FinalizationRegistry<string>((callId) => {
    guarded("ending an abandoned AI SDK stream", () => {
      const state = this.calls.get(callId);
      if (state) this.finish(callId, state, undefined);
    });
  });

  onStart(event: Event): void {
    guarded("starting an AI SDK call", () => {
      const operation = String(event.operationId ?? "");
      if (!TEXT_OPERATIONS.has(operation) || !isEnabled()) return;
      const tools = isToolSet(event.tools) ? Object.keys(event.tools) : [];
      const name = text(event.functionId) ?? operation;
      const inputs = defined([
        ["model", event.modelId],
        ["instructions", event.instructions],
        // A copy: the list itself must stay collectable (see `abandoned`).
        ["messages", Array.isArray(event.messages) ? [...(event.messages as unknown[])] : event.messages],
        ["tools", tools.length ? tools : undefined],
        ...SETTINGS.map((key): [string, unknown] => [key, event[key]]),
      ]);
      const spanType = tools.length ? SpanType.AGENT : SpanType.CHAIN;
      const root = startSpan({ name, spanType, inputs, attributes: spanType === SpanType.AGENT ? { [AGENT_NAME]: name } : {} });
      this.calls.set(event.callId, { root, operation, tools: new Map() });
      // With inputs hidden (`recordInputs: false`) the SDK hands over a fresh empty list.
      if (operation === "ai.streamText" && Array.isArray(event.messages) && event.messages.length) {
        this.abandoned.register(event.messages, event.callId);
      }
    });
  }

  onLanguageModelCallStart(event: Event): void {
    guarded("starting an AI SDK model call", () => {
      const state = this.calls.get(event.callId);
      if (!state) return;
      // A stream retried, or a step interrupted, starts a model call over the open one.
      if (state.model) this.endModelCall(state, undefined, new Error("the model call was restarted"));
      const method = state.operation === "ai.streamText" ? "doStream" : "doGenerate";
      const { system, messages } = inputMessages(event.instructions, event.messages);
      const definitions = toolDefinitions(event.tools);
      const inputs = defined([
        ["model", event.modelId],
        ["instructions", event.instructions],
        ["messages", event.messages],
        ["tools", definitions.length ? definitions : undefined],
        ...SETTINGS.map((key): [string, unknown] => [key, event[key]]),
      ]);
      const span = startSpan({ name: `${state.operation}.${method}`, spanType: SpanType.CHAT_MODEL, parent: state.root, inputs });
      const call = new LLMCall(span);
      span.setAttribute(K.GEN_AI_PROVIDER, providerName(event.provider));
      span.setAttribute(K.GEN_AI_OPERATION, "chat");
      if (text(event.modelId)) span.setAttribute(K.GEN_AI_REQUEST_MODEL, event.modelId);
      call.setInputMessages(messages, system.length ? system : undefined);
      call.setTools(definitions);
      state.model = { call };
    });
  }

  /** The provider call runs with the model call's span current; its raw result is read. */
  async executeLanguageModelCall<T>(options: { callId: string; execute: () => PromiseLike<T> }): Promise<T> {
    const model = this.calls.get(options.callId)?.model;
    if (!model) return options.execute();
    const result = await runWithSpan(model.call.span, options.execute);
    return guarded("reading an AI SDK model response", () => this.observe(model, result)) ?? result;
  }

  private observe<T>(model: ModelCall, result: T): T {
    // The SDK's events carry its unified finish reason ("tool-calls"); the provider's own
    // ("tool_calls") is what the other integrations record.
    const raw = get(get(result, "finishReason"), "raw");
    if (typeof raw === "string") model.rawFinishReason = raw;
    const stream = get(result, "stream");
    if (stream instanceof ReadableStream) {
      const observed = observeModelStream(stream, model.call.span);
      model.stream = observed.observation;
      return { ...(result as Obj), stream: observed.stream } as T;
    }
    return result;
  }

  onLanguageModelCallEnd(event: Event): void {
    guarded("ending an AI SDK model call", () => {
      const state = this.calls.get(event.callId);
      const model = state?.model;
      if (!state || !model) return;
      const call = model.call;
      const reason = model.stream?.rawFinishReason ?? model.rawFinishReason ?? text(event.finishReason);
      call.setResponse(event.modelId, event.responseId);
      call.setUsage(usage(event.usage));
      call.setOutputMessages([outputMessage(event.content, reason)], reason ? [reason] : []);
      const firstOutputMs = get(event.performance, "timeToFirstOutputMs");
      if (typeof firstOutputMs === "number") call.span.setAttribute(K.TIME_TO_FIRST_TOKEN_NS, Math.round(firstOutputMs * 1e6));
      const outputs = defined([
        ["content", event.content],
        ["finishReason", event.finishReason],
        ["usage", event.usage],
      ]);
      const error = model.stream?.error;
      if (error !== undefined) state.error = error;
      this.endModelCall(state, outputs, error);
    });
  }

  onToolExecutionStart(event: Event): void {
    guarded("starting an AI SDK tool run", () => {
      const state = this.calls.get(event.callId);
      const toolCall = event.toolCall;
      if (!state) return;
      const name = String(get(toolCall, "toolName") ?? "tool");
      const id = String(get(toolCall, "toolCallId") ?? "");
      const span = startSpan({
        name,
        spanType: SpanType.TOOL,
        parent: state.root,
        inputs: get(toolCall, "input"),
        attributes: { [TOOL_NAME]: name, ...(id ? { [TOOL_CALL_ID]: id } : {}) },
      });
      state.tools.set(id, span);
    });
  }

  /** The tool's `execute` runs with its TOOL span current. */
  executeTool<T>(options: { callId: string; toolCallId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    const span = this.calls.get(options.callId)?.tools.get(options.toolCallId);
    return span ? runWithSpan(span, options.execute) : options.execute();
  }

  onToolExecutionEnd(event: Event): void {
    guarded("ending an AI SDK tool run", () => {
      const state = this.calls.get(event.callId);
      const id = String(get(event.toolCall, "toolCallId") ?? "");
      const span = state?.tools.get(id);
      if (!state || !span) return;
      state.tools.delete(id);
      const output = event.toolOutput;
      if (get(output, "type") === "tool-error") {
        span.recordException(get(output, "error"));
        span.end();
      } else {
        span.end({ outputs: get(output, "output") });
      }
    });
  }

  onStepEnd(event: Event): void {
    guarded("ending an AI SDK step", () => {
      // A stream can close after an error chunk without a model-call end.
      const state = this.calls.get(event.callId);
      if (state?.model) this.endModelCall(state, undefined, state.model.stream?.error);
    });
  }

  onStepError(event: Event): void {
    guarded("ending a failed AI SDK step", () => {
      const state = this.calls.get(event.callId);
      if (state?.model) this.endModelCall(state, undefined, event.error);
    });
  }

  onEnd(event: Event): void {
    guarded("ending an AI SDK call", () => {
      const state = this.calls.get(event.callId);
      if (!state) return;
      this.finish(event.callId, state, event.text, state.error);
    });
  }

  onAbort(event: Event): void {
    guarded("ending an aborted AI SDK call", () => {
      const state = this.calls.get(event.callId);
      if (!state) return;
      // Stopped by the caller: what finished is kept, nothing failed.
      const steps = Array.isArray(event.steps) ? event.steps : [];
      this.finish(event.callId, state, steps.length ? get(steps[steps.length - 1], "text") : undefined);
    });
  }

  onError(error: unknown): void {
    guarded("recording an AI SDK error", () => {
      const callId = get(error, "callId");
      const state = typeof callId === "string" ? this.calls.get(callId) : undefined;
      if (!state) return;
      const actual = get(error, "error") ?? error;
      this.finish(callId as string, state, undefined, actual);
    });
  }

  /** End every span of the call still open, the call's own last. */
  private finish(callId: string, state: CallState, outputs: unknown, error?: unknown): void {
    this.calls.delete(callId);
    if (state.model) this.endModelCall(state, undefined, error);
    for (const span of state.tools.values()) {
      if (error !== undefined) span.recordException(error);
      span.end();
    }
    state.tools.clear();
    if (error !== undefined) state.root.recordException(error);
    state.root.end({ outputs });
  }

  private endModelCall(state: CallState, outputs: unknown, error?: unknown): void {
    const model = state.model;
    state.model = undefined;
    model?.call.end(outputs, error);
  }

  /** Calls in flight (tests: none are left behind). */
  get openCalls(): number {
    return this.calls.size;
  }
}

function isToolSet(value: unknown): value is Obj {
  return value !== null && typeof value === "object" && Object.keys(value).length > 0;
}
