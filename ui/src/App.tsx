import { lazy, Suspense } from "react";
import { Link, Navigate, Route, Routes, useSearchParams } from "react-router-dom";
import { useTheme } from "./lib/theme";

// One chunk per page: the first page loads only its own code.
const ExperimentsPage = lazy(() =>
  import("./pages/ExperimentsPage").then((m) => ({ default: m.ExperimentsPage })),
);
const TracesPage = lazy(() =>
  import("./pages/TracesPage").then((m) => ({ default: m.TracesPage })),
);
const SessionsPage = lazy(() =>
  import("./pages/SessionsPage").then((m) => ({ default: m.SessionsPage })),
);
const DashboardPage = lazy(() =>
  import("./pages/DashboardPage").then((m) => ({ default: m.DashboardPage })),
);
const SpansPage = lazy(() => import("./pages/SpansPage").then((m) => ({ default: m.SpansPage })));
const DatasetsPage = lazy(() =>
  import("./pages/DatasetsPage").then((m) => ({ default: m.DatasetsPage })),
);
const EvaluationRunsPage = lazy(() =>
  import("./pages/EvaluationRunsPage").then((m) => ({ default: m.EvaluationRunsPage })),
);
const ComparePage = lazy(() =>
  import("./pages/ComparePage").then((m) => ({ default: m.ComparePage })),
);
const TraceComparePage = lazy(() =>
  import("./pages/TraceComparePage").then((m) => ({ default: m.TraceComparePage })),
);
const TracePage = lazy(() => import("./pages/TracePage").then((m) => ({ default: m.TracePage })));

export function App() {
  const [params] = useSearchParams();
  // `?embed=1`: no header, so the explorer can sit in a notebook iframe.
  const embed = params.get("embed") === "1";
  const [theme, toggleTheme] = useTheme();
  return (
    <div className={embed ? "app embed" : "app"}>
      {!embed && (
        <header className="app-header">
          <Link to="/experiments" className="brand">
            <span className="brand-mark">◆</span> spanscope
          </Link>
          <nav aria-label="Main">
            <Link to="/experiments">Experiments</Link>
            <a href="/docs">API</a>
            <button
              type="button"
              className="theme-toggle"
              aria-pressed={theme === "dark"}
              title={theme === "dark" ? "Switch to the light theme" : "Switch to the dark theme"}
              onClick={toggleTheme}
            >
              <span aria-hidden="true">{theme === "dark" ? "☾" : "☀"}</span> Dark mode
            </button>
          </nav>
        </header>
      )}
      <main className="app-main">
        <Suspense fallback={<p className="page muted">Loading…</p>}>
          <Routes>
            <Route path="/" element={<Navigate to="/experiments" replace />} />
            <Route path="/experiments" element={<ExperimentsPage />} />
            <Route path="/experiments/:experimentId/traces" element={<TracesPage />} />
            <Route
              path="/experiments/:experimentId/traces/compare"
              element={<TraceComparePage />}
            />
            <Route path="/experiments/:experimentId/spans" element={<SpansPage />} />
            <Route path="/experiments/:experimentId/sessions" element={<SessionsPage />} />
            <Route path="/experiments/:experimentId/dashboard" element={<DashboardPage />} />
            <Route path="/experiments/:experimentId/datasets" element={<DatasetsPage />} />
            <Route
              path="/experiments/:experimentId/datasets/:datasetId"
              element={<DatasetsPage />}
            />
            <Route path="/experiments/:experimentId/evaluations" element={<EvaluationRunsPage />} />
            <Route
              path="/experiments/:experimentId/evaluations/compare"
              element={<ComparePage />}
            />
            <Route path="/traces/:traceId" element={<TracePage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        No page here. <Link to="/experiments">Back to experiments</Link>
      </p>
    </div>
  );
}
