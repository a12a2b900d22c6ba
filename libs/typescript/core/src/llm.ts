/**
 * Shared plumbing of LLM integrations (the Python SDK's `spanscope.tracing.llm`): an LLM span
 * with the chat in the GenAI shape, model, provider, token usage, finish reasons and tool
 * definitions under the same keys, so every integration records alike.
 */
import { SpanAttributeKey as K, SpanType } from "./constants.js";
import { currentSpan } from "./context.js";
import { normalizeMessages, normalizeToolDefinition, isObject, type ChatMessage } from "./chat.js";
import { internalError } from "./safety.js";
import { isEnabled, startLiveSpan } from "./runtime.js";
import type { LiveSpan } from "./span.js";

/** Token counts of one call; undefined where the provider did not say. */
export interface Usage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadTokens?: number | undefined;
  cacheCreationTokens?: number | undefined;
  reasoningTokens?: number | undefined;
}

export function usageAttributes(usage: Usage): Record<string, number> {
  const pairs: [string, number | undefined][] = [
    [K.GEN_AI_INPUT_TOKENS, usage.inputTokens],
    [K.GEN_AI_OUTPUT_TOKENS, usage.outputTokens],
    [K.GEN_AI_CACHE_READ_TOKENS, usage.cacheReadTokens],
    [K.GEN_AI_CACHE_CREATION_TOKENS, usage.cacheCreationTokens],
    [K.GEN_AI_REASONING_TOKENS, usage.reasoningTokens],
  ];
  const out: Record<string, number> = {};
  for (const [key, value] of pairs) if (typeof value === "number" && Number.isFinite(value)) out[key] = Math.trunc(value);
  return out;
}

/** The span of one LLM call and the setters integrations record it with. */
export class LLMCall {
  constructor(readonly span: LiveSpan) {}

  /** The conversation sent, in any common shape (OpenAI, Anthropic, GenAI). */
  setInputMessages(messages: unknown, system?: unknown): void {
    let normalized: ChatMessage[] = normalizeMessages(messages, "user") ?? [];
    if (system !== undefined && system !== null) {
      let given = system;
      if (typeof given === "string" || (Array.isArray(given) && !given.some((m) => isObject(m) && "role" in m))) {
        given = [{ role: "system", content: given }]; // a prompt, not messages
      }
      const instructions = normalizeMessages(given, "system") ?? [];
      this.span.setAttribute(K.GEN_AI_SYSTEM_INSTRUCTIONS, instructions.flatMap((m) => m.parts));
      normalized = [...instructions.map((m) => ({ ...m, role: "system" })), ...normalized];
    }
    this.span.setAttribute(K.GEN_AI_INPUT_MESSAGES, normalized);
  }

  /** The reply (one message or several choices) and why generation stopped. */
  setOutputMessages(messages: unknown, finishReasons: (string | null | undefined)[] = []): void {
    const normalized = normalizeMessages(messages, "assistant") ?? [];
    normalized.forEach((message, i) => {
      const reason = finishReasons[i];
      if (reason && !("finish_reason" in message)) message.finish_reason = reason;
    });
    const reasons = finishReasons.filter((r): r is string => Boolean(r));
    if (reasons.length) this.span.setAttribute(K.GEN_AI_FINISH_REASONS, reasons);
    this.span.setAttribute(K.GEN_AI_OUTPUT_MESSAGES, normalized);
  }

  setTools(tools: unknown[] | undefined | null): void {
    if (tools && tools.length) this.span.setAttribute(K.GEN_AI_TOOL_DEFINITIONS, tools.map(normalizeToolDefinition));
  }

  setUsage(usage: Usage | undefined): void {
    if (usage) this.span.setAttributes(usageAttributes(usage));
  }

  setResponse(model?: unknown, responseId?: unknown): void {
    if (typeof model === "string" && model) this.span.setAttribute(K.GEN_AI_RESPONSE_MODEL, model);
    if (typeof responseId === "string" && responseId) this.span.setAttribute(K.GEN_AI_RESPONSE_ID, responseId);
  }

  /** End the span (idempotent: a stream may end at close and again when it is collected). */
  end(outputs?: unknown, error?: unknown): void {
    if (this.span.isEnded) return;
    if (error !== undefined) this.span.recordException(error);
    this.span.end({ outputs });
  }
}

export interface LLMSpanOptions {
  provider: string;
  operation: string;
  inputs: unknown;
  model?: string | undefined;
  spanType?: string;
  attributes?: Record<string, unknown>;
}

/** Start an LLM span under the current span; undefined when tracing is off (or failed). */
export function startLlmSpan(name: string, options: LLMSpanOptions): LLMCall | undefined {
  try {
    if (!isEnabled()) return undefined;
    const span = startLiveSpan(name, options.spanType ?? SpanType.CHAT_MODEL, currentSpan());
    span.setAttribute(K.GEN_AI_PROVIDER, options.provider);
    span.setAttribute(K.GEN_AI_OPERATION, options.operation);
    if (options.model) span.setAttribute(K.GEN_AI_REQUEST_MODEL, options.model);
    if (options.attributes) span.setAttributes(options.attributes);
    span.setInputs(options.inputs);
    return new LLMCall(span);
  } catch (error) {
    internalError("starting an LLM span", error);
    return undefined;
  }
}
