// The experiment the user last looked at, so a page that is not found can link back to it.
const KEY = "spanscope.recentExperiment";

export interface RecentExperiment {
  id: string;
  name: string;
}

export function rememberExperiment(experiment: RecentExperiment): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(experiment));
  } catch {
    // Storage blocked (a notebook's cross-site iframe): the link back is a nicety.
  }
}

export function recentExperiment(): RecentExperiment | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? "null");
    if (value && typeof value === "object" && "id" in value && "name" in value) {
      const { id, name } = value as Record<string, unknown>;
      if (typeof id === "string" && typeof name === "string") return { id, name };
    }
  } catch {
    // Unreadable or blocked: no link back.
  }
  return null;
}

export function forgetExperiment(id: string): void {
  if (recentExperiment()?.id === id) {
    try {
      localStorage.removeItem(KEY);
    } catch {
      // Storage blocked: nothing was remembered.
    }
  }
}
