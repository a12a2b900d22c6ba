import { defineConfig } from "vitest/config";

export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 90_000, env: { SPANSCOPE_STRICT: "1" } } });
