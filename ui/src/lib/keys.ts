// Generated from spanscope/constants.py by scripts/generate_keys.py: do not edit by hand.
// Change the Python constants (or the script's tables), then run `make keys`.

// Reserved keys the UI reads.

export const GenAI = {
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  systemInstructions: "gen_ai.system_instructions",
  toolDefinitions: "gen_ai.tool.definitions",
  provider: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  finishReasons: "gen_ai.response.finish_reasons",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  cacheReadTokens: "gen_ai.usage.cache_read.input_tokens",
  cacheCreationTokens: "gen_ai.usage.cache_creation.input_tokens",
} as const;

export const SpanKey = {
  cost: "spanscope.span.cost",
} as const;

export const TraceMeta = {
  session: "spanscope.trace.session",
  user: "spanscope.trace.user",
  tokenUsage: "spanscope.trace.token_usage",
} as const;

export const Exception = {
  event: "exception",
  type: "exception.type",
  message: "exception.message",
  stacktrace: "exception.stacktrace",
} as const;
