"""Evaluation: datasets, scorers, LLM judges and evaluate() (docs/evaluation.md)."""
