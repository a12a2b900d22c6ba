/** Real @langchain/core runnables (and @langchain/openai's ChatOpenAI against the Python fake LLM
 * server) traced by SpanscopeCallbackHandler. */
import { Document } from "@langchain/core/documents";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnableLambda } from "@langchain/core/runnables";
import { DynamicTool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, test } from "vitest";
import { flushTraces, init, trace } from "@spanscope/tracing";
import { captureWithFakeLLM, textMessage, type CapturedSpan } from "@spanscope/test-support";
import { SpanscopeCallbackHandler } from "../src/index.js";

const QUESTION = "What is the weather in Paris?";
const ANSWER = `You said: ${QUESTION}`;
const text = textMessage;

const { memory, fake } = captureWithFakeLLM(init, flushTraces);

function chatModel(model = "gpt-x"): ChatOpenAI {
  return new ChatOpenAI({ model, apiKey: "sk-fake", maxRetries: 0, configuration: { baseURL: fake().openaiBaseUrl } });
}

class Notes extends BaseRetriever {
  lc_namespace = ["tests", "retrievers"];
  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    return [new Document({ pageContent: `Paris: ${query}`, metadata: { source: "notes/paris.md" }, id: "d1" })];
  }
}

/** The recorded spans as [name, type, parent's name], in the order they ended. */
async function tree(): Promise<[string, unknown, string | undefined][]> {
  await flushTraces();
  const byId = new Map(memory.spans.map((s) => [s.spanId, s]));
  return memory.spans.map((s) => [s.name, s.spanType, s.parentId ? byId.get(s.parentId)?.name : undefined]);
}

function span(name: string): CapturedSpan {
  const found = memory.spans.find((s) => s.name === name);
  expect(found, name).toBeDefined();
  return found as CapturedSpan;
}

describe("SpanscopeCallbackHandler", () => {
  test("prompt | chat model | parser: a CHAIN with the prompt, a CHAT_MODEL and a PARSER below it", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Be brief."],
      ["human", "{question}"],
    ]);
    const chain = prompt.pipe(chatModel()).pipe(new StringOutputParser());
    const answer = await chain.invoke({ question: QUESTION }, { callbacks: [new SpanscopeCallbackHandler()] });
    expect(answer).toBe(ANSWER);
    expect(await tree()).toEqual([
      ["ChatPromptTemplate", "CHAIN", "RunnableSequence"],
      ["ChatOpenAI", "CHAT_MODEL", "RunnableSequence"],
      ["StrOutputParser", "PARSER", "RunnableSequence"],
      ["RunnableSequence", "CHAIN", undefined],
    ]);
    const root = span("RunnableSequence");
    expect(root.inputs).toEqual({ question: QUESTION });
    expect(root.outputs).toEqual({ output: ANSWER }); // LangChain.js reports a chain's value under "output"
    expect(span("ChatPromptTemplate").outputs).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: QUESTION },
    ]);
    const model = span("ChatOpenAI");
    expect(model.inputs).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: QUESTION },
    ]);
    expect(model.outputs).toEqual({ role: "assistant", content: ANSWER });
    expect(model.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-x",
      "gen_ai.response.model": "gpt-x",
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.system_instructions": [{ type: "text", content: "Be brief." }],
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(model.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(model.attributes["gen_ai.response.id"]).toEqual(expect.any(String));
    expect(span("StrOutputParser").outputs).toEqual({ output: ANSWER });
  });

  test("a tool call by the model, then the tool run as a TOOL span", async () => {
    const weather = new DynamicTool({ name: "get_weather", description: "Current weather", func: async (city: string) => `sunny in ${city}` });
    const handler = new SpanscopeCallbackHandler();
    const reply = await chatModel().bindTools([weather]).invoke(QUESTION, { callbacks: [handler] });
    const call = reply.tool_calls![0]!;
    expect(call.name).toBe("get_weather");
    await weather.invoke("Paris", { callbacks: [handler] });
    await flushTraces();
    const [model, tool] = memory.spans;
    expect(model?.attributes["gen_ai.output.messages"]).toEqual([
      { role: "assistant", parts: [{ type: "tool_call", id: call.id, name: "get_weather", arguments: call.args }], finish_reason: "tool_calls" },
    ]);
    expect(model?.attributes["gen_ai.tool.definitions"]).toEqual([expect.objectContaining({ type: "function", name: "get_weather" })]);
    expect(tool).toMatchObject({ name: "get_weather", spanType: "TOOL", inputs: { input: "Paris" }, outputs: "sunny in Paris" });
  });

  test("a retriever: a RETRIEVER span with the query and the documents in the retriever schema", async () => {
    const docs = await new Notes().invoke("weather", { callbacks: [new SpanscopeCallbackHandler()], tags: ["mine"], metadata: { team: "a" } });
    expect(docs).toHaveLength(1);
    await flushTraces();
    const retriever = span("Notes");
    expect(retriever.spanType).toBe("RETRIEVER");
    expect(retriever.inputs).toEqual({ query: "weather" });
    expect(retriever.outputs).toEqual([{ page_content: "Paris: weather", metadata: { source: "notes/paris.md", doc_uri: "notes/paris.md" }, id: "d1" }]);
    expect(retriever.attributes).toMatchObject({ "langchain.tags": ["mine"], "langchain.metadata": { team: "a" } });
  });

  test("a failing model call fails its span and the chain's, and reaches the caller unchanged", async () => {
    const chain = ChatPromptTemplate.fromMessages([["human", "{question}"]]).pipe(chatModel("error-429"));
    const error = await chain.invoke({ question: QUESTION }, { callbacks: [new SpanscopeCallbackHandler()] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { status?: number }).status).toBe(429);
    await flushTraces();
    const model = span("ChatOpenAI");
    expect(model.status.code).toBe(2);
    expect(model.events[0]?.name).toBe("exception");
    expect(model.attributes["gen_ai.output.messages"]).toBeUndefined();
    expect(span("RunnableSequence").status.code).toBe(2);
  });

  test("a failing tool fails its TOOL span", async () => {
    const broken = new DynamicTool({
      name: "broken",
      description: "Fails",
      func: async () => {
        throw new Error("no weather today");
      },
    });
    await expect(broken.invoke("x", { callbacks: [new SpanscopeCallbackHandler()] })).rejects.toThrow("no weather today");
    await flushTraces();
    const tool = span("broken");
    expect(tool.status).toMatchObject({ code: 2 });
    expect(tool.status.message).toMatch(/no weather today/);
  });

  test("runs with no parent run nest under the current traced function; nested runnables under their run", async () => {
    const handler = new SpanscopeCallbackHandler();
    const inner = RunnableLambda.from(async (x: string) => x.toUpperCase()).withConfig({ runName: "shout" });
    const outer = RunnableLambda.from(async (x: string, config) => inner.invoke(x, config)).withConfig({ runName: "outer" });
    const agent = trace(async function agent(question: string) {
      return outer.invoke(question, { callbacks: [handler] });
    });
    expect(await agent("hi")).toBe("HI");
    expect(await tree()).toEqual([
      ["shout", "CHAIN", "outer"],
      ["outer", "CHAIN", "agent"],
      ["agent", "UNKNOWN", undefined],
    ]);
  });
});
