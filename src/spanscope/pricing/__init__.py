"""Cost of LLM calls: a price book over a maintained price history, user and operator prices,
and the cost of spans and traces. See docs/cost.md."""

from spanscope.pricing.book import PriceBook, load_price_file, price_book, reset, set_price
from spanscope.pricing.cost import CURRENCY, compute_span_cost, price_spans, span_cost, trace_cost
from spanscope.pricing.prices import Price
from spanscope.pricing.usage import TokenCounts, token_counts

__all__ = [
    "CURRENCY",
    "Price",
    "PriceBook",
    "TokenCounts",
    "compute_span_cost",
    "load_price_file",
    "price_book",
    "price_spans",
    "reset",
    "set_price",
    "span_cost",
    "token_counts",
    "trace_cost",
]
