import OpenAI from "openai";
import { flushTraces, init, trace, updateCurrentTrace } from "@spanscope/tracing";
import { tracedOpenAI } from "@spanscope/openai";

// Where traces go: a running `spanscope server` (or set SPANSCOPE_TRACKING_URI).
init({ trackingUri: process.env.SPANSCOPE_TRACKING_URI ?? "http://127.0.0.1:5000", experimentName: "quickstart" });

// Every chat completion of this client becomes a CHAT_MODEL span.
const openai = tracedOpenAI(new OpenAI()); // reads OPENAI_API_KEY and OPENAI_BASE_URL

const answer = trace(
  async function answer(question: string) {
    updateCurrentTrace({ sessionId: "session-1", tags: { env: "dev" } });
    const reply = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: question }],
    });
    return reply.choices[0]?.message.content;
  },
  { spanType: "AGENT" },
);

console.log(await answer("What is spanscope?"));
await flushTraces(); // optional: traces are also flushed when the process exits
