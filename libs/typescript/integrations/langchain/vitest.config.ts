import { defineConfig } from "vitest/config";

// --expose-gc: a test drops a stream unread and checks its span ends when it is collected.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 90_000, env: { SPANSCOPE_STRICT: "1" }, execArgv: ["--expose-gc"] },
});
