"""Datasets: versioned records of inputs and expectations to evaluate on (docs/evaluation.md)."""

from spanscope.entities.dataset import DatasetRecord, DatasetVersion
from spanscope.evaluation.datasets import (
    EvaluationDataset,
    create_dataset,
    delete_dataset,
    get_dataset,
    search_datasets,
)

__all__ = [
    "DatasetRecord",
    "DatasetVersion",
    "EvaluationDataset",
    "create_dataset",
    "delete_dataset",
    "get_dataset",
    "search_datasets",
]
