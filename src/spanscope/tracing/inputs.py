"""Capturing a traced function's inputs from its bound arguments, without self / cls."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["InputCapture"]

_SIMPLE = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class InputCapture:
    """Maps call arguments to `{parameter name: value}`; built once per decorated function."""

    __slots__ = ("_defaults", "_names", "_signature", "_simple", "_skip_first")

    def __init__(self, fn: Callable[..., Any]) -> None:
        try:
            self._signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            self._signature = None
        params = list(self._signature.parameters.values()) if self._signature else []
        self._skip_first = bool(params) and params[0].name in ("self", "cls")
        self._simple = self._signature is not None and all(p.kind in _SIMPLE for p in params)
        self._names = tuple(p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY)
        self._defaults = {
            p.name: p.default for p in params if p.default is not inspect.Parameter.empty
        }

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self._simple and len(args) <= len(self._names):
            inputs = dict(zip(self._names, args, strict=False))
            if kwargs:
                inputs.update(kwargs)
            for name, default in self._defaults.items():
                if name not in inputs:
                    inputs[name] = default
        else:
            inputs = self._bind(args, kwargs)
        if self._skip_first and self._names:
            inputs.pop(self._names[0], None)
        return inputs

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self._signature is None:
            return {"args": list(args), **kwargs} if args else dict(kwargs)
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError:
            return {"args": list(args), **kwargs}
        bound.apply_defaults()
        inputs: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = self._signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                inputs.update(value)
            else:
                inputs[name] = value
        return inputs
