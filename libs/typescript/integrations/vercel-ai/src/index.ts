/**
 * @spanscope/vercel-ai: tracing of the Vercel AI SDK (`ai`): `generateText` and `streamText`,
 * single calls and multi-step tool loops, recorded through the SDK's own telemetry hook with
 * the spans and GenAI attributes the other spanscope integrations write.
 */
import type { Telemetry } from "ai";
import { SpanscopeTelemetry } from "./telemetry.js";

/**
 * An AI SDK telemetry integration that records spanscope spans. Per call:
 * `generateText({ ..., experimental_telemetry: { integrations: spanscopeTelemetry() } })`;
 * for every call: `registerTelemetry(spanscopeTelemetry())`.
 */
export function spanscopeTelemetry(): Telemetry {
  return new SpanscopeTelemetry() as unknown as Telemetry;
}

export { SpanscopeTelemetry } from "./telemetry.js";
export { contentPart, inputMessages, modelMessage, outputMessage, toolDefinitions, usage } from "./messages.js";
