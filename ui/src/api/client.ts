// A thin fetch wrapper over the REST API; every error becomes an ApiError with the server's
// message (and, for a bad filter, the position it points at).
import type {
  Assessment,
  AssessmentSummary,
  ClientLosses,
  CreateAssessment,
  Dataset,
  DatasetPage,
  DatasetRecordPage,
  DatasetVersion,
  DeleteTraces,
  EvaluationItem,
  EvaluationItemPage,
  EvaluationRun,
  EvaluationRunPage,
  Experiment,
  ExperimentPage,
  MetricsSeries,
  OverrideFeedback,
  SearchSpans,
  SearchTraces,
  SessionPage,
  SpanPage,
  Trace,
  TracePage,
  UpdateAssessment,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly position: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const TOKEN_KEY = "spanscope.token";
// The token when the browser blocks storage (a notebook's cross-site iframe): this page only.
let memoryToken: string | null = null;

/** The server's token (a server started with --token), kept in this browser. */
export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage blocked (a cross-site iframe in a notebook): the token lasts for this page.
  }
  memoryToken = token;
}

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken; // storage blocked
  }
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const token = readToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await toError(response);
  return response;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function toError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as {
      error?: { code: string; message: string; position?: number | null };
      detail?: unknown;
    };
    if (body.error) {
      return new ApiError(
        response.status,
        body.error.code,
        body.error.message,
        body.error.position ?? null,
      );
    }
    return new ApiError(response.status, "INVALID_REQUEST", JSON.stringify(body.detail ?? body));
  } catch {
    return new ApiError(response.status, "HTTP_ERROR", `${response.status} ${response.statusText}`);
  }
}

const enc = encodeURIComponent;

export const api = {
  listExperiments: () => request<ExperimentPage>("GET", "/api/v1/experiments?max_results=1000"),
  getExperiment: (id: string) => request<Experiment>("GET", `/api/v1/experiments/${enc(id)}`),
  getClientLosses: (id: string, hours = 24) =>
    request<ClientLosses>("GET", `/api/v1/experiments/${enc(id)}/client-losses?hours=${hours}`),
  getMetrics: (
    id: string,
    params: {
      start_ms: number;
      end_ms: number;
      bucket: string;
      group_by: string | null;
      filter: string | null;
    },
  ) => request<MetricsSeries>("GET", `/api/v1/experiments/${enc(id)}/metrics?${query(params)}`),
  createExperiment: (name: string) =>
    request<{ experiment_id: string }>("POST", "/api/v1/experiments", { name }),
  renameExperiment: (id: string, name: string) =>
    request<Experiment>("PATCH", `/api/v1/experiments/${enc(id)}`, { name }),
  deleteExperiment: (id: string) => request<void>("DELETE", `/api/v1/experiments/${enc(id)}`),
  searchTraces: (body: SearchTraces) => request<TracePage>("POST", "/api/v1/traces/search", body),
  getTrace: (id: string) => request<Trace>("GET", `/api/v1/traces/${enc(id)}`),
  /** The trace's JSON as the server wrote it: nanosecond times exact (beyond a JS number). */
  getTraceText: async (id: string) => (await send("GET", `/api/v1/traces/${enc(id)}`)).text(),
  deleteTraces: (body: DeleteTraces) =>
    request<{ deleted: number }>("POST", "/api/v1/traces/delete", body),
  setTag: (traceId: string, key: string, value: string) =>
    request<void>("PUT", `/api/v1/traces/${enc(traceId)}/tags/${enc(key)}`, { value }),
  deleteTag: (traceId: string, key: string) =>
    request<void>("DELETE", `/api/v1/traces/${enc(traceId)}/tags/${enc(key)}`),
  createAssessment: (traceId: string, body: CreateAssessment) =>
    request<Assessment>("POST", `/api/v1/traces/${enc(traceId)}/assessments`, body),
  updateAssessment: (traceId: string, id: string, body: UpdateAssessment) =>
    request<Assessment>("PATCH", `/api/v1/traces/${enc(traceId)}/assessments/${enc(id)}`, body),
  overrideFeedback: (traceId: string, id: string, body: OverrideFeedback) =>
    request<Assessment>(
      "POST",
      `/api/v1/traces/${enc(traceId)}/assessments/${enc(id)}/override`,
      body,
    ),
  deleteAssessment: (traceId: string, id: string) =>
    request<void>("DELETE", `/api/v1/traces/${enc(traceId)}/assessments/${enc(id)}`),
  getAssessmentSummary: (experimentId: string) =>
    request<AssessmentSummary>(
      "GET",
      `/api/v1/experiments/${enc(experimentId)}/assessments/summary`,
    ),
  searchSpans: (body: SearchSpans) => request<SpanPage>("POST", "/api/v1/spans/search", body),
  searchSessions: (experimentId: string, pageToken: string | null, text: string | null = null) =>
    request<SessionPage>("POST", "/api/v1/sessions/search", {
      experiment_ids: [experimentId],
      max_results: 100,
      page_token: pageToken,
      query: text || null,
    }),
  // Datasets (docs/evaluation.md)
  listDatasets: (experimentId: string | null, pageToken: string | null = null) =>
    request<DatasetPage>(
      "GET",
      `/api/v1/datasets?${query({ experiment_id: experimentId, max_results: 100, page_token: pageToken })}`,
    ),
  getDataset: (id: string) => request<Dataset>("GET", `/api/v1/datasets/${enc(id)}`),
  createDataset: (name: string, experimentId: string | null) =>
    request<Dataset>("POST", "/api/v1/datasets", { name, experiment_id: experimentId }),
  deleteDataset: (id: string) => request<void>("DELETE", `/api/v1/datasets/${enc(id)}`),
  addRecordsFromTraces: (id: string, traceIds: string[]) =>
    request<Dataset>("POST", `/api/v1/datasets/${enc(id)}/records/from-traces`, {
      trace_ids: traceIds,
    }),
  deleteRecords: (id: string, recordIds: string[]) =>
    request<Dataset>("POST", `/api/v1/datasets/${enc(id)}/records/delete`, {
      record_ids: recordIds,
    }),
  getRecords: (id: string, version: number | null, pageToken: string | null = null) =>
    request<DatasetRecordPage>(
      "GET",
      `/api/v1/datasets/${enc(id)}/records?${query({ version, max_results: 500, page_token: pageToken })}`,
    ),
  getDatasetVersions: (id: string) =>
    request<{ versions: DatasetVersion[] }>("GET", `/api/v1/datasets/${enc(id)}/versions`),
  // Evaluation runs
  listEvaluationRuns: (experimentId: string, pageToken: string | null = null) =>
    request<EvaluationRunPage>(
      "GET",
      `/api/v1/experiments/${enc(experimentId)}/evaluation-runs?${query({ max_results: 100, page_token: pageToken })}`,
    ),
  getEvaluationRun: (runId: string) =>
    request<EvaluationRun>("GET", `/api/v1/evaluation-runs/${enc(runId)}`),
  deleteEvaluationRun: (runId: string) =>
    request<void>("DELETE", `/api/v1/evaluation-runs/${enc(runId)}`),
  /** Every row of a run: the pages followed to the end. */
  getAllEvaluationItems: async (runId: string): Promise<EvaluationItem[]> => {
    const items: EvaluationItem[] = [];
    let token: string | null = null;
    do {
      const page: EvaluationItemPage = await request<EvaluationItemPage>(
        "GET",
        `/api/v1/evaluation-runs/${enc(runId)}/items?${query({ max_results: 1000, page_token: token })}`,
      );
      items.push(...page.items);
      token = page.next_page_token ?? null;
    } while (token);
    return items;
  },
};

/** A query string of the parameters that have a value. */
function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value != null && value !== "") search.set(key, String(value));
  }
  return search.toString();
}
