"""Evaluation throughput: scoring logged traces with code scorers, and what a judge adds.

    .venv/bin/python benchmarks/evaluation.py                  # 1,000 traces, 200 judged rows
    .venv/bin/python benchmarks/evaluation.py --traces 5000 --judged 500 --mlflow-rows 100

1. Code scorers: `--traces` traces are logged through the SDK into a fresh SQLite store (each an
   AGENT span with a TOOL child, and an expectation); then `spanscope.evaluate` scores the
   traces searched back (`search_traces`) with three built-in code scorers (exact match,
   contains, latency budget): every score logged as feedback, the run and its rows stored.
   The goal: 1,000 traces in under 5 s on this 2-core machine.
2. A judge: `--judged` rows are scored by an LLM judge on the fake OpenAI server (127.0.0.1,
   a scripted verdict), against the same requests sent straight with httpx on as many threads
   (the judge calls themselves); the fake model answers at once, then after about
   `--latency-ms` (200: the fastest hosted models). The goal, at that answer time: the
   evaluation adds no more time than those calls take.
3. Side by side: MLflow's `mlflow.genai.evaluate` with the same three checks as its own code
   scorers, on `--mlflow-rows` rows, with an SQLite tracking store (its documented local
   setup), when mlflow is installed (`pip install 'spanscope[bench]'`).

benchmarks/evaluation_results.md holds the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# mlflow imports LiteLLM, which fetches its price map from the internet unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.summary import record  # noqa: E402

import spanscope  # noqa: E402
from spanscope import judges, scorers  # noqa: E402
from spanscope.testing.fake_llm import FakeLLMServer  # noqa: E402

CITIES = ["Paris", "Lima", "Tokyo", "Santiago", "Oslo"]
GOAL_S = 5.0
WORKERS = 8


@spanscope.trace(span_type="TOOL")
def lookup(n: int) -> str:
    return CITIES[n % len(CITIES)]


@spanscope.trace(span_type="AGENT")
def geo_bot(n: int) -> str:
    return f"The capital is {lookup(n)}."


def log_traces(count: int) -> None:
    for n in range(count):
        geo_bot(n)
    spanscope.flush()
    for trace in _all_traces():
        n = trace.data.root.inputs["n"]  # type: ignore[union-attr]
        spanscope.log_expectation(
            trace.trace_id, "expected_response", f"The capital is {CITIES[(n + n // 7) % 5]}."
        )


def _all_traces() -> list[Any]:
    found: list[Any] = []
    token = None
    while True:
        page = spanscope.search_traces(max_results=500, page_token=token)
        found += page
        token = page.next_page_token
        if not token:
            return found


def code_scorers() -> dict[str, float]:
    start = time.perf_counter()
    traces = _all_traces()
    searched = time.perf_counter()
    result = spanscope.evaluate(
        traces,
        [
            scorers.exact_match(),
            scorers.contains("capital"),
            scorers.latency_budget(max_ms=1000),
        ],
        max_workers=WORKERS,
    )
    done = time.perf_counter()
    assert result.metrics["exact_match"].count == len(traces)
    return {"search": searched - start, "evaluate": done - searched, "total": done - start}


def judge_path(rows: int, latency_s: float) -> dict[str, float]:
    """The code scorer alone, then with a judge, then the judge's own requests replayed; the
    fake model answers after a wait of about `latency_s` (a sleep on its request thread): from
    half to one and a half times it, fixed by the prompt, so a replayed request waits as long
    as it did for the judge."""
    import httpx

    def verdict(prompt: str) -> str:
        if latency_s:
            spread = zlib.crc32(prompt.encode()) / 0xFFFFFFFF
            time.sleep(latency_s * (0.5 + spread))
        return json.dumps({"result": "Paris" in prompt, "rationale": "scripted"})

    with FakeLLMServer(reply=verdict) as server:
        judge = judges.make_judge(
            name="mentions_paris",
            instructions="Answer: {{ outputs }}\nDoes it mention Paris?",
            model="openai:/gpt-4o-mini",
            base_url=server.openai_base_url,
            api_key="sk-fake",
        )
        data = [
            {"inputs": {"n": n}, "outputs": f"The capital is {CITIES[n % 5]}."} for n in range(rows)
        ]
        code = [scorers.contains("capital")]
        # Warm up, and export what that traced: the first priced span loads the price data.
        spanscope.evaluate(data[:WORKERS], [*code, judge], max_workers=WORKERS)
        spanscope.flush()
        start = time.perf_counter()
        spanscope.evaluate(data, code, max_workers=WORKERS)
        without = time.perf_counter() - start
        server.reset()
        start = time.perf_counter()
        result = spanscope.evaluate(data, [*code, judge], max_workers=WORKERS)
        judged = time.perf_counter() - start
        assert result.metrics["mentions_paris"].count == rows, result.metrics
        # The judge calls themselves: the very requests the judge sent, replayed on as many
        # threads over one client.
        sent = [r.raw_body for r in server.requests if r.path.endswith("/chat/completions")]
        assert len(sent) == rows
        with httpx.Client() as client:

            def call(body: bytes) -> None:
                client.post(
                    f"{server.openai_base_url}/chat/completions",
                    content=body,
                    headers={"authorization": "Bearer sk-fake", "content-type": "application/json"},
                ).raise_for_status()

            start = time.perf_counter()
            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(call, sent))
            raw = time.perf_counter() - start
        spanscope.flush()
    return {"judge calls alone": raw, "code only": without, "code and judge": judged}


def mlflow_side_by_side(rows: int) -> dict[str, float] | None:
    if rows <= 0:
        return None
    try:
        import mlflow
        from mlflow.genai.scorers import scorer as mlflow_scorer
    except ImportError:
        return None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    folder = tempfile.mkdtemp(prefix="bench-mlflow-")
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    # Its artifacts in the temporary folder too: by default mlflow writes ./mlruns.
    mlflow.create_experiment("bench", artifact_location=f"file://{folder}/artifacts")
    mlflow.set_experiment("bench")

    @mlflow_scorer
    def exact_match(outputs: str, expectations: dict[str, Any]) -> bool:
        return outputs.strip() == str(expectations["expected_response"]).strip()

    @mlflow_scorer
    def contains(outputs: str) -> bool:
        return "capital" in outputs

    @mlflow_scorer
    def short(outputs: str) -> bool:
        return len(outputs) < 1000

    data = [
        {
            "inputs": {"n": n},
            "outputs": f"The capital is {CITIES[n % 5]}.",
            "expectations": {"expected_response": f"The capital is {CITIES[n % 5]}."},
        }
        for n in range(rows)
    ]
    ours_data = [dict(row) for row in data]
    start = time.perf_counter()
    mlflow.genai.evaluate(data=data, scorers=[exact_match, contains, short])
    theirs = time.perf_counter() - start
    start = time.perf_counter()
    spanscope.evaluate(
        ours_data,
        [scorers.exact_match(), scorers.contains("capital"), scorers.latency_budget(1000)],
        max_workers=WORKERS,
    )
    ours = time.perf_counter() - start
    return {"mlflow.genai.evaluate": theirs, "spanscope.evaluate": ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--judged", type=int, default=200)
    parser.add_argument("--mlflow-rows", type=int, default=50)
    parser.add_argument(
        "--latency-ms", type=float, default=200.0, help="the fake model's answer time (2b)"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-evaluation-")
    spanscope.set_tracking_uri(f"sqlite:///{folder}/bench.db")
    spanscope.set_experiment("bench")

    start = time.perf_counter()
    log_traces(args.traces)
    print(f"logged {args.traces} traces with expectations in {time.perf_counter() - start:.2f} s")
    timing = code_scorers()
    verdict_text = "met" if timing["total"] < GOAL_S else "MISSED"
    print(
        f"\n1. {args.traces} traces, 3 code scorers: search {timing['search']:.2f} s + evaluate "
        f"{timing['evaluate']:.2f} s = {timing['total']:.2f} s "
        f"({args.traces / timing['evaluate']:.0f} rows/s; goal < {GOAL_S:.0f} s: {verdict_text})"
    )
    record(
        "evaluation",
        f"{args.traces:,} traces, 3 code scorers",
        timing["total"],
        "s",
        goal=f"< {GOAL_S:.0f} s",
        met=timing["total"] < GOAL_S,
    )

    for latency_ms in (0.0, args.latency_ms):
        judged = judge_path(args.judged, latency_ms / 1000)
        raw, without, both = (
            judged["judge calls alone"],
            judged["code only"],
            judged["code and judge"],
        )
        added = both - without
        extra_ms = (added - raw) / args.judged * 1000
        verdict_text = "met" if added <= raw else "MISSED"
        goal = f"goal: adds no more than the calls: {verdict_text}" if latency_ms else "no goal"
        print(
            f"\n2. {args.judged} rows on {WORKERS} threads, the model answering in "
            f"{latency_ms:.0f} ms: a code scorer {without:.2f} s; with an LLM judge too "
            f"{both:.2f} s: the judge adds {added:.2f} s, its calls alone take {raw:.2f} s "
            f"({added / raw:.2f}x, {extra_ms:+.2f} ms a row beyond its call; {goal})"
        )
        if latency_ms:
            record(
                "evaluation",
                f"LLM judge's time / its calls' ({latency_ms:.0f} ms model)",
                added / raw,
                "x",
                goal="<= 1x",
                met=added <= raw,
            )

    compared = mlflow_side_by_side(args.mlflow_rows)
    if compared is None:
        print("\n3. no side by side with mlflow (not installed, or --mlflow-rows 0)")
        return
    theirs, ours = compared["mlflow.genai.evaluate"], compared["spanscope.evaluate"]
    print(
        f"\n3. {args.mlflow_rows} rows with outputs, 3 code scorers, SQLite: "
        f"mlflow.genai.evaluate {theirs:.2f} s, spanscope.evaluate {ours:.2f} s "
        f"({theirs / ours:.1f}x)"
    )
    record(
        "evaluation",
        f"{args.mlflow_rows} rows, 3 code scorers",
        ours,
        "s",
        peer="mlflow",
        peer_value=theirs,
    )


if __name__ == "__main__":
    main()
