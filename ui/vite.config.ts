import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The build goes into the Python package, which serves it at `/` (src/spanscope/server/ui.py).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/spanscope/server/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` against a local `spanscope server` on the default port.
    proxy: { "/api": "http://127.0.0.1:5000" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
