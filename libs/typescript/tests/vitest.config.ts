import { defineConfig } from "vitest/config";

// Each file starts real server processes: generous timeouts, files one at a time (2 cores).
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 90_000, fileParallelism: false },
});
