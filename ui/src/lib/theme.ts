// Light or dark: the browser's preference (prefers-color-scheme) unless the header's toggle
// chose one, which is kept in localStorage. The theme is `data-theme` on <html>; styles.css
// defines each theme's colour variables.
import { useEffect, useState, useSyncExternalStore } from "react";

export type Theme = "light" | "dark";
const KEY = "spanscope.theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null; // storage blocked (a notebook's cross-site iframe)
  }
}

function preferredTheme(): Theme {
  return window.matchMedia?.(DARK_QUERY).matches ? "dark" : "light";
}

function apply(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** Set the theme before the first render, so a dark page does not flash light. */
export function applyInitialTheme(): void {
  apply(storedTheme() ?? preferredTheme());
}

/** The theme, and a toggle that keeps the choice; without a choice, follows the browser. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? preferredTheme());
  useEffect(() => {
    apply(theme);
  }, [theme]);
  useEffect(() => {
    const media = window.matchMedia?.(DARK_QUERY);
    if (!media) return;
    const follow = () => {
      if (storedTheme() === null) setTheme(preferredTheme());
    };
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, []);
  const toggle = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Storage blocked: the choice lasts for this page.
    }
    setTheme(next);
  };
  return [theme, toggle];
}

function subscribeToTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => observer.disconnect();
}

/**
 * The theme in force (`data-theme` on <html>), for what CSS cannot colour (a canvas): it
 * changes when the toggle or the browser's preference switches it.
 */
export function useDocumentTheme(): string {
  return useSyncExternalStore(subscribeToTheme, () => document.documentElement.dataset.theme ?? "");
}

/** The value of a colour variable (`--text`) where `element` is, as the browser resolved it. */
export function cssColor(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}
