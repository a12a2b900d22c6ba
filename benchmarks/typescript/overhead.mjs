// Per-span overhead of @spanscope/tracing's trace() beside the raw OpenTelemetry JS SDK, in
// the same process and run. Both sides record one span per call with JSON-encoded inputs and
// outputs, batched to an exporter that does nothing (so export cost is not measured).
//
//   cd libs/typescript && npm install && npm run build && npm run bench
//
// Modules are resolved from the libs/typescript workspace, which has them installed.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const workspace = createRequire(new URL("../../libs/typescript/package.json", import.meta.url));
const load = (name) => import(workspace.resolve(name));
const otelApi = await load("@opentelemetry/api");
const { BasicTracerProvider, BatchSpanProcessor } = await load("@opentelemetry/sdk-trace-base");
const spanscope = await load("@spanscope/tracing");

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const INPUT = { question: "What is the weather in Paris?", options: { units: "metric", days: 3 } };

function work(question, options) {
  return { answer: `${question.length} chars`, days: options.days };
}

// Raw OpenTelemetry: own provider, BatchSpanProcessor, an exporter that drops everything.
const noopExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopExporter, { maxQueueSize: 1 << 20, maxExportBatchSize: 256 })],
});
const tracer = provider.getTracer("bench");
function otelTraced(question, options) {
  const span = tracer.startSpan("work");
  span.setAttribute("inputs", JSON.stringify({ question, options }));
  try {
    const result = work(question, options);
    span.setAttribute("outputs", JSON.stringify(result));
    span.setStatus({ code: otelApi.SpanStatusCode.OK });
    return result;
  } finally {
    span.end();
  }
}

// spanscope: trace() with the same batching and an exporter that drops everything.
spanscope.init({ exporter: { export: async () => {} }, batchSize: 256, queueSize: 1 << 20 });
const spanscopeTraced = spanscope.trace(work, { name: "work", spanType: "TOOL" });

const cases = { untraced: work, "OpenTelemetry SDK": otelTraced, "spanscope trace()": spanscopeTraced };

async function measure(fn) {
  const start = performance.now();
  for (let i = 0; i < SPANS; i++) fn(INPUT.question, INPUT.options);
  const elapsed = performance.now() - start;
  await Promise.all([provider.forceFlush(), spanscope.flushTraces()]); // drain between rounds
  return (elapsed * 1e6) / SPANS; // ns per call
}

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const fn of Object.values(cases)) await measure(fn); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) samples[name].push(await measure(fn));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(samples.untraced);
const otel = median(samples["OpenTelemetry SDK"]) - base;
const ours = median(samples["spanscope trace()"]) - base;
console.log(`node ${process.version}, ${SPANS} spans x ${ROUNDS} rounds, median per call`);
console.log("| case | ns per call | overhead ns per span | vs OpenTelemetry |");
console.log("| --- | ---: | ---: | ---: |");
for (const name of Object.keys(cases)) {
  const total = median(samples[name]);
  const overhead = total - base;
  const ratio = name === "untraced" ? "" : (overhead / otel).toFixed(2) + "x";
  console.log(`| ${name} | ${total.toFixed(0)} | ${name === "untraced" ? "" : overhead.toFixed(0)} | ${ratio} |`);
}
console.log(`spanscope / OpenTelemetry per-span overhead: ${(ours / otel).toFixed(2)}x (goal <= 1.5x)`);
await provider.shutdown();
