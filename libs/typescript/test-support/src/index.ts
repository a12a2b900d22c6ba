/**
 * Real servers for the TypeScript suites, as child processes of the repository's Python:
 * the fake LLM provider server (`python -m spanscope.testing.fake_llm`) and `spanscope server`
 * on a free 127.0.0.1 port with a fresh SQLite store. Set SPANSCOPE_PYTHON to choose the
 * interpreter (default: the repository's .venv).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (libs/typescript/test-support/src -> four levels up). */
export const REPO_ROOT = resolve(here, "..", "..", "..", "..");
export const PYTHON = process.env.SPANSCOPE_PYTHON || join(REPO_ROOT, ".venv", "bin", "python");

export interface Running {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function stopper(child: ChildProcess, cleanup?: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup?.();
  };
}

/** The fake OpenAI / Anthropic / Gemini server; `url` is `http://127.0.0.1:PORT`. */
export async function startFakeLLM(): Promise<Running & { openaiBaseUrl: string; anthropicBaseUrl: string; geminiBaseUrl: string }> {
  const child = spawn(PYTHON, ["-m", "spanscope.testing.fake_llm", "--port", "0"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolveUrl(line.trim()));
    child.once("exit", (code) => reject(new Error(`fake LLM server exited (${code}): ${stderr}`)));
    child.once("error", reject);
  });
  return { url, process: child, openaiBaseUrl: `${url}/v1`, anthropicBaseUrl: url, geminiBaseUrl: url, stop: stopper(child) };
}

/** `spanscope server` with a fresh SQLite store; `token` makes it require a bearer token. */
export async function startServer(options: { token?: string; env?: Record<string, string> } = {}): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "spanscope-ts-"));
  const args = ["-m", "spanscope.cli.main", "server", "--host", "127.0.0.1", "--port", String(port)];
  args.push("--backend-store-uri", `sqlite:///${join(dir, "traces.db")}`, "--log-level", "warning");
  const env = { ...process.env, ...options.env };
  if (options.token) env.SPANSCOPE_SERVER_TOKEN = options.token;
  const child = spawn(PYTHON, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`spanscope server exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/health`, { headers })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`spanscope server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, process: child, stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })) };
}

/**
 * Run `code` with the repository's Python (`python -c code ...args`) and parse the JSON it
 * prints last: how a suite reads back, through the Python SDK, what the TypeScript SDK wrote.
 */
export async function runPython(code: string, args: string[] = []): Promise<unknown> {
  const child = spawn(PYTHON, ["-c", code, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const status = await new Promise<number | null>((done, reject) => {
    child.once("error", reject);
    child.once("close", done);
  });
  if (status !== 0) throw new Error(`python exited with ${status}: ${stderr}`);
  const last = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as unknown;
}

/** A stored trace as the REST API returns it. */
export interface StoredTrace {
  info: Record<string, unknown> & { trace_id: string; tags: Record<string, string>; metadata: Record<string, string> };
  data: { spans: StoredSpan[] };
}
export interface StoredSpan {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  span_type: string;
  status: { code: string; message: string };
  inputs: unknown;
  outputs: unknown;
  attributes: Record<string, unknown>;
  events: { name: string; timestamp_ns: number; attributes: Record<string, unknown> }[];
  start_time_ns: number;
  end_time_ns: number | null;
}

/** Every trace of the server's experiments (with spans), oldest first. */
export async function searchTraces(serverUrl: string, experimentIds: string[] = ["0"], token?: string): Promise<StoredTrace[]> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${serverUrl}/api/v1/traces/search`, {
    method: "POST",
    headers,
    body: JSON.stringify({ experiment_ids: experimentIds, include_spans: true, max_results: 100, order_by: ["timestamp_ms ASC"] }),
  });
  if (!response.ok) throw new Error(`search failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { traces: StoredTrace[] }).traces;
}

/** The id of the experiment named `name`, or undefined while it does not exist. */
export async function experimentId(serverUrl: string, name: string): Promise<string | undefined> {
  const response = await fetch(`${serverUrl}/api/v1/experiments/by-name?name=${encodeURIComponent(name)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`experiment lookup failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { experiment_id: string }).experiment_id;
}

/** One trace by id, with spans. */
export async function getTrace(serverUrl: string, traceId: string, token?: string): Promise<StoredTrace> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${serverUrl}/api/v1/traces/${traceId}`, { headers });
  if (!response.ok) throw new Error(`get trace failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as StoredTrace;
}

/** Poll `check` until it returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A finished span as a test reads it: reserved attributes decoded, ids as hex. */
export interface CapturedSpan {
  traceId: string;
  spanId: string;
  parentId: string | undefined;
  name: string;
  spanType: unknown;
  inputs: unknown;
  outputs: unknown;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message?: string | undefined };
}

interface ExportedSpan {
  name: string;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string } | undefined;
  attributes: Record<string, unknown>;
  events: { name: string; attributes?: Record<string, unknown> }[];
  status: { code: number; message?: string };
}

const RESERVED = ["spanscope.span.type", "spanscope.span.inputs", "spanscope.span.outputs"];

/** An exporter for `init({ exporter })` that keeps every span, decoded for assertions. */
export class MemoryExporter {
  readonly spans: CapturedSpan[] = [];
  readonly tags: { traceId: string; tags: Record<string, string> }[] = [];

  async export(spans: ExportedSpan[], tags: { traceId: string; tags: Record<string, string> }[]): Promise<void> {
    for (const span of spans) {
      const attributes = { ...span.attributes };
      const [type, inputs, outputs] = RESERVED.map((key) => {
        const value = attributes[key];
        delete attributes[key];
        return typeof value === "string" ? JSON.parse(value) : value;
      });
      this.spans.push({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentId: span.parentSpanContext?.spanId,
        name: span.name,
        spanType: type,
        inputs,
        outputs,
        attributes,
        events: span.events.map((e) => ({ name: e.name, attributes: e.attributes ?? {} })),
        status: span.status,
      });
    }
    this.tags.push(...tags);
  }

  clear(): void {
    this.spans.length = 0;
    this.tags.length = 0;
  }

  /** The span named `name` (the last one, if several). */
  byName(name: string): CapturedSpan {
    const found = this.spans.filter((s) => s.name === name).pop();
    if (!found) throw new Error(`no span named ${name}; have: ${this.spans.map((s) => s.name).join(", ")}`);
    return found;
  }
}

/** A GenAI text message, as the integrations record them. */
export function textMessage(role: string, content: string, finishReason?: string): Record<string, unknown> {
  return { role, parts: [{ type: "text", content }], ...(finishReason ? { finish_reason: finishReason } : {}) };
}

/**
 * Vitest hooks for an integration suite: the fake LLM server for the file, and a fresh
 * MemoryExporter as spanscope's exporter before each test. `only(name)` flushes and returns
 * the one span recorded, checking its name.
 */
export function captureWithFakeLLM(init: (options: { exporter: MemoryExporter; exportIntervalMs: number }) => void, flush: () => Promise<void>) {
  const memory = new MemoryExporter();
  const state: { fake?: Awaited<ReturnType<typeof startFakeLLM>> } = {};
  beforeAll(async () => {
    state.fake = await startFakeLLM();
  });
  afterAll(async () => state.fake?.stop());
  beforeEach(() => {
    memory.clear();
    init({ exporter: memory, exportIntervalMs: 10 });
  });
  return {
    memory,
    fake: () => state.fake as Awaited<ReturnType<typeof startFakeLLM>>,
    async only(name: string): Promise<CapturedSpan> {
      await flush();
      expect(memory.spans.map((s) => s.name)).toEqual([name]);
      return memory.spans[0] as CapturedSpan;
    },
  };
}
