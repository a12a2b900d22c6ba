// The span types of DESIGN §1 (any other string is allowed too).
export const SPAN_TYPES = [
  "LLM",
  "CHAT_MODEL",
  "CHAIN",
  "AGENT",
  "TOOL",
  "RETRIEVER",
  "EMBEDDING",
  "RERANKER",
  "PARSER",
  "MEMORY",
  "WORKFLOW",
  "TASK",
  "GUARDRAIL",
  "EVALUATOR",
  "UNKNOWN",
] as const;
