import { defineConfig } from "vitest/config";

// One fake LLM server and one spanscope server for every file (src/global-setup.ts). Each file
// sets up its library's global OpenTelemetry state, so each runs in a process of its own.
export default defineConfig({
  test: {
    globalSetup: ["src/global-setup.ts"],
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Nothing may reach the internet: Traceloop's telemetry and prompt sync off, and no
    // OpenTelemetry exporter configured from the environment.
    env: {
      TRACELOOP_TELEMETRY: "false",
      TRACELOOP_SYNC_ENABLED: "false",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    },
  },
});
