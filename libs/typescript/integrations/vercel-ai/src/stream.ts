/**
 * A provider's model stream, read as the AI SDK reads it: each part passes through unchanged,
 * recorded on the model call's span as a `stream.chunk` event (as the other integrations
 * record stream chunks), and the parts the SDK's events leave out are kept: the provider's own
 * finish reason and an error part.
 */
import { guarded, type LiveSpan } from "@spanscope/tracing";

/** The core's stream-event name and cap (spans stay bounded on long streams). */
const STREAM_CHUNK_EVENT = "stream.chunk";
const MAX_CHUNK_EVENTS = 1000;

export interface StreamObservation {
  rawFinishReason?: string;
  error?: unknown;
}

export function observeModelStream(stream: ReadableStream<unknown>, span: LiveSpan): { stream: ReadableStream<unknown>; observation: StreamObservation } {
  const observation: StreamObservation = {};
  let index = 0;
  const observer = new TransformStream<unknown, unknown>({
    transform(part, controller) {
      guarded("recording an AI SDK stream part", () => {
        if (index < MAX_CHUNK_EVENTS && !span.isEnded) span.addEvent(STREAM_CHUNK_EVENT, { index, value: part });
        index += 1;
        const record = part as { type?: unknown; finishReason?: { raw?: unknown }; error?: unknown };
        if (record?.type === "finish" && typeof record.finishReason?.raw === "string") observation.rawFinishReason = record.finishReason.raw;
        if (record?.type === "error") observation.error = record.error;
      });
      controller.enqueue(part);
    },
  });
  return { stream: stream.pipeThrough(observer), observation };
}
