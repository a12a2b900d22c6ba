"""/api/v1/traces/{trace_id}/assessments: feedback and expectations on a trace; and their
summary per experiment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from spanscope.entities.assessment import Assessment, AssessmentError, AssessmentSource
from spanscope.exceptions import InvalidArgumentError
from spanscope.server.evaluation_schemas import AssessmentBatch
from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import (
    AssessmentList,
    AssessmentModel,
    AssessmentSummaryList,
    CreateAssessment,
    OverrideFeedback,
    UpdateAssessment,
)
from spanscope.store.base import TraceStore

router = APIRouter(
    prefix="/api/v1/traces/{trace_id}/assessments",
    tags=["assessments"],
    responses=ERROR_RESPONSES,
)
summary_router = APIRouter(
    prefix="/api/v1/experiments/{experiment_id}/assessments",
    tags=["assessments"],
    responses=ERROR_RESPONSES,
)
batch_router = APIRouter(
    prefix="/api/v1/assessments", tags=["assessments"], responses=ERROR_RESPONSES
)
StoreDep = Annotated[TraceStore, Depends(get_store)]


@batch_router.post("/batch", response_model=AssessmentList, status_code=201)
def log_assessments(body: AssessmentBatch, store: StoreDep) -> Response:
    """Log many assessments at once (an evaluation's scores), in one transaction: a 404 names
    the first unknown trace, and then none is stored."""
    with _unprocessable():
        batch = [Assessment.from_dict(a.model_dump()) for a in body.assessments]
        stored = store.log_assessments(batch)
    return Json({"assessments": [a.to_dict() for a in stored]}, status_code=201)


@summary_router.get("/summary", response_model=AssessmentSummaryList)
def summarize_assessments(experiment_id: str, store: StoreDep) -> Response:
    """Per feedback / expectation name: count, pass rate (booleans), mean (numbers), value
    counts (strings), over the experiment's valid assessments."""
    found = store.summarize_assessments(experiment_id)
    return Json({"assessments": [s.to_dict() for s in found]})


@router.post("", response_model=AssessmentModel, status_code=201)
def log_assessment(trace_id: str, body: CreateAssessment, store: StoreDep) -> Response:
    """Log a feedback or an expectation; answers the stored assessment (with its id)."""
    with _unprocessable():
        source = _source(body.source) or (
            AssessmentSource("HUMAN") if body.kind == "expectation" else AssessmentSource()
        )
        error = None if body.error is None else AssessmentError(**body.error.model_dump())
        assessment = Assessment(
            trace_id=trace_id,
            name=body.name,
            kind=body.kind,
            value=body.value,
            rationale=body.rationale,
            source=source,
            span_id=body.span_id,
            metadata=dict(body.metadata),
            error=error,
        )
        stored = store.log_assessment(assessment)
    return Json(stored.to_dict(), status_code=201)


@router.get("", response_model=AssessmentList)
def list_assessments(trace_id: str, store: StoreDep) -> Response:
    """Every assessment of the trace, the overridden ones included (`valid: false`)."""
    info = store.get_trace(trace_id, include_spans=False).info
    return Json({"assessments": [a.to_dict() for a in info.assessments]})


@router.get("/{assessment_id}", response_model=AssessmentModel)
def get_assessment(trace_id: str, assessment_id: str, store: StoreDep) -> Response:
    return Json(store.get_assessment(trace_id, assessment_id).to_dict())


@router.patch("/{assessment_id}", response_model=AssessmentModel)
def update_assessment(
    trace_id: str, assessment_id: str, body: UpdateAssessment, store: StoreDep
) -> Response:
    """Change the fields given: name, value, rationale, error; metadata is merged."""
    changes: dict[str, Any] = {
        name: getattr(body, name) for name in body.model_fields_set if name != "error"
    }
    if "error" in body.model_fields_set:
        changes["error"] = None if body.error is None else body.error.model_dump()
    with _unprocessable():
        return Json(store.update_assessment(trace_id, assessment_id, changes).to_dict())


@router.post("/{assessment_id}/override", response_model=AssessmentModel, status_code=201)
def override_feedback(
    trace_id: str, assessment_id: str, body: OverrideFeedback, store: StoreDep
) -> Response:
    """Replace a feedback; the old one stays as history, no longer valid."""
    old = store.get_assessment(trace_id, assessment_id)
    with _unprocessable():
        replacement = old.overridden_by(
            body.value, body.rationale, _source(body.source), dict(body.metadata)
        )
        stored = store.override_feedback(trace_id, assessment_id, replacement)
    return Json(stored.to_dict(), 201)


@router.delete("/{assessment_id}", status_code=204)
def delete_assessment(trace_id: str, assessment_id: str, store: StoreDep) -> Response:
    store.delete_assessment(trace_id, assessment_id)
    return Response(status_code=204)


class _UnprocessableError(InvalidArgumentError):
    """An assessment the body describes but the model refuses (a value of the wrong type, no
    value and no error, ...): a 422, as a body of the wrong shape is."""

    http_status = 422


@contextmanager
def _unprocessable() -> Iterator[None]:
    try:
        yield
    except InvalidArgumentError as exc:
        raise _UnprocessableError(str(exc)) from None


def _source(model: Any) -> AssessmentSource | None:
    return None if model is None else AssessmentSource(model.source_type, model.source_id)
