"""An agent whose tool fails: the trace records the exception with its stack trace.

The OpenAI SDK talks HTTP to spanscope's fake OpenAI server on 127.0.0.1, so no key and no
network are needed. Run: `python examples/failing_tool.py` (part of `make demo`).
"""

from __future__ import annotations

import json

import openai

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

INVOICES = {"INV-1001": {"amount": 120.0, "currency": "EUR", "paid": True}}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_invoice",
            "description": "Fetch an invoice by id.",
            "parameters": {
                "type": "object",
                "properties": {"invoice_id": {"type": "string", "enum": ["INV-4040"]}},
                "required": ["invoice_id"],
            },
        },
    }
]


class InvoiceNotFoundError(LookupError):
    pass


def _load_invoice(invoice_id: str) -> dict[str, object]:
    try:
        return INVOICES[invoice_id]
    except KeyError:
        raise InvoiceNotFoundError(f"no invoice {invoice_id!r} in the ledger") from None


@spanscope.trace(span_type="TOOL")
def get_invoice(invoice_id: str) -> dict[str, object]:
    return _load_invoice(invoice_id)


class BillingAgent:
    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client

    @spanscope.trace(name="billing_agent", span_type="AGENT")
    def answer(self, question: str) -> str:
        spanscope.update_current_trace(user_id="user-billing", tags={"team": "billing"})
        messages: list[dict[str, object]] = [
            {"role": "system", "content": "You answer billing questions with the tools."},
            {"role": "user", "content": question},
        ]
        reply = self.client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=TOOLS
        )
        for call in reply.choices[0].message.tool_calls or []:
            arguments = json.loads(call.function.arguments or "{}")
            get_invoice(str(arguments["invoice_id"]))  # raises: the invoice does not exist
        return reply.choices[0].message.content or ""


def main() -> None:
    spanscope.openai.autolog()
    with FakeLLMServer() as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0)
        try:
            BillingAgent(client).answer("Was invoice INV-4040 paid?")
        except InvoiceNotFoundError as exc:
            print(f"the agent failed, as intended: {exc}\n")
        finally:
            client.close()
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
