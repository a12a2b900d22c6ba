/**
 * The servers every interop test talks to: the Python fake LLM server and a real `spanscope
 * server` (fresh SQLite store), both on 127.0.0.1, started once for the run. They import the
 * spanscope of this repository (`src/` first on PYTHONPATH), whatever the interpreter has
 * installed, so the tests check the tree under test.
 */
import { spawnSync } from "node:child_process";
import { delimiter, join, sep } from "node:path";
import type { TestProject } from "vitest/node";
import { PYTHON, REPO_ROOT, startFakeLLM, startServer } from "@spanscope/test-support";

declare module "vitest" {
  export interface ProvidedContext {
    /** The spanscope server, `http://127.0.0.1:PORT`. */
    serverUrl: string;
    /** The fake LLM server's OpenAI base URL, `http://127.0.0.1:PORT/v1`. */
    openaiBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const source = join(REPO_ROOT, "src");
  process.env.PYTHONPATH = [source, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  const probe = spawnSync(PYTHON, ["-c", "import spanscope; print(spanscope.__file__)"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (!probe.stdout?.startsWith(source + sep)) {
    throw new Error(`${PYTHON} does not import spanscope from ${source}: ${probe.stdout}${probe.stderr}`);
  }
  const [fake, server] = await Promise.all([startFakeLLM(), startServer()]);
  project.provide("serverUrl", server.url);
  project.provide("openaiBaseUrl", fake.openaiBaseUrl);
  return async () => {
    await Promise.all([fake.stop(), server.stop()]);
  };
}
