/** The built packages load as ESM and as CommonJS, with the same public API. */
import { execFileSync } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const PACKAGES = {
  "@spanscope/tracing": ["init", "trace", "traceMethod", "withSpan", "startSpan", "flushTraces", "updateCurrentTrace"],
  "@spanscope/openai": ["tracedOpenAI"],
  "@spanscope/anthropic": ["tracedAnthropic"],
  "@spanscope/vercel-ai": ["spanscopeTelemetry"],
  "@spanscope/google-genai": ["tracedGoogleGenAI"],
  "@spanscope/langchain": ["SpanscopeCallbackHandler"],
};

function exportsOf(script: string, type: "module" | "commonjs"): Record<string, string[]> {
  const out = execFileSync(process.execPath, [`--input-type=${type}`, "-e", script], { cwd: dirname(fileURLToPath(import.meta.url)), encoding: "utf8" });
  return JSON.parse(out) as Record<string, string[]>;
}

test("ESM and CommonJS builds export the same functions", async () => {
  const names = JSON.stringify(Object.keys(PACKAGES));
  const esm = exportsOf(
    `const out = {}; for (const n of ${names}) out[n] = Object.keys(await import(n)).sort(); console.log(JSON.stringify(out));`,
    "module",
  );
  const cjs = exportsOf(
    `const out = {}; for (const n of ${names}) out[n] = Object.keys(require(n)).sort(); console.log(JSON.stringify(out));`,
    "commonjs",
  );
  expect(cjs).toEqual(esm);
  for (const [name, expected] of Object.entries(PACKAGES)) expect(esm[name]).toEqual(expect.arrayContaining(expected));
});
