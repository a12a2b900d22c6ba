// @vitest-environment jsdom
import { createElement, startTransition, Suspense, useState } from "react";
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { LiveToggle } from "../components/LiveToggle";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const never = new Promise<never>(() => {});

/** Suspends once on: a transition to "on" then stays uncommitted, as a slow route change does. */
function Held({ on }: { on: boolean }) {
  if (on) throw never;
  return null;
}

/** Owns the flag the way the router owns the URL: changes land in a transition. */
function Owner({ log }: { log: boolean[] }) {
  const [on, setOn] = useState(false);
  return createElement(
    "div",
    null,
    createElement(LiveToggle, {
      on,
      onChange: (next: boolean) => {
        log.push(next);
        startTransition(() => setOn(next));
      },
    }),
    createElement(Suspense, { fallback: null }, createElement(Held, { on })),
  );
}

let container: HTMLDivElement | null = null;

afterEach(() => {
  container?.remove();
  container = null;
});

describe("useFollowing", () => {
  it("shows a switch's new state before the owner's transition commits", async () => {
    container = document.createElement("div");
    document.body.append(container);
    const root = createRoot(container);
    const log: boolean[] = [];
    await act(async () => root.render(createElement(Owner, { log })));
    const input = container.querySelector<HTMLInputElement>("input[role=switch]");
    expect(input?.checked).toBe(false);

    await act(async () => input?.click());

    expect(log).toEqual([true]);
    // The owner's state is still "off" (its transition is suspended), the switch shows "on".
    expect(input?.checked).toBe(true);
    expect(container.querySelector(".live-toggle.on")).not.toBeNull();
    await act(async () => root.unmount());
  });
});
