// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown, sanitizeHtml } from "./markdown";
import { isDataImage, safeHref } from "./safeUrl";

const PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

function dom(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div;
}

/** Every attribute of every element that could run script or load something. */
function dangerous(root: HTMLElement): string[] {
  const found: string[] = [];
  for (const el of root.querySelectorAll("*")) {
    for (const attr of el.getAttributeNames()) {
      if (attr.startsWith("on")) found.push(`${el.tagName} ${attr}`);
    }
    const url = el.getAttribute("href") ?? el.getAttribute("src");
    if (url && /^\s*(javascript|vbscript|data:text)/i.test(url)) found.push(`${el.tagName} ${url}`);
  }
  for (const tag of ["script", "iframe", "object", "embed", "style", "form", "svg"]) {
    if (root.querySelector(tag)) found.push(tag);
  }
  return found;
}

describe("renderMarkdown", () => {
  it("renders headings, emphasis, lists and tables", () => {
    const root = dom(
      renderMarkdown("# Title\n\n**bold** and *it*\n\n- a\n- b\n\n| x |\n|---|\n| 1 |"),
    );
    expect(root.querySelector("h1")?.textContent).toBe("Title");
    expect(root.querySelector("strong")?.textContent).toBe("bold");
    expect(root.querySelectorAll("li")).toHaveLength(2);
    expect(root.querySelector("td")?.textContent).toBe("1");
  });

  it("shows script tags as text, never as elements", () => {
    const root = dom(
      renderMarkdown("before <script>window.__x=1</script> after\n\n<script>alert(2)</script>"),
    );
    expect(dangerous(root)).toEqual([]);
    expect(root.textContent).toContain("<script>window.__x=1</script>");
    expect(root.textContent).toContain("<script>alert(2)</script>");
  });

  it("keeps onerror attributes inert", () => {
    const payload = '<img src=x onerror="window.__x=1"> <div onmouseover=alert(1)>hi</div>';
    const root = dom(renderMarkdown(payload));
    expect(dangerous(root)).toEqual([]);
    expect(root.querySelector("img")).toBeNull();
    expect(root.textContent).toContain("onerror");
  });

  it("drops javascript: and other unsafe link targets, keeping the text", () => {
    const md = [
      "[a](javascript:alert(1))",
      "[b](JaVaScRiPt:alert(1))",
      "[c](jav&#x61;script:alert(1))",
      "[d](data:text/html;base64,PHNjcmlwdD4=)",
      "[e](vbscript:msgbox)",
      "<javascript:alert(1)>",
    ].join("\n\n");
    const root = dom(renderMarkdown(md));
    expect(dangerous(root)).toEqual([]);
    expect([...root.querySelectorAll("a")].filter((a) => a.hasAttribute("href"))).toEqual([]);
    expect(root.textContent).toContain("a");
  });

  it("gives links rel=noopener noreferrer and keeps http(s) and mailto", () => {
    const root = dom(renderMarkdown("[docs](https://example.com/x) [mail](mailto:a@b.c)"));
    const links = [...root.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/x",
      "mailto:a@b.c",
    ]);
    for (const a of links) expect(a.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("shows data-URL images inline and remote images as links only", () => {
    const root = dom(renderMarkdown(`![dot](${PNG}) ![remote](https://example.com/cat.png)`));
    const images = [...root.querySelectorAll("img")];
    expect(images.map((i) => i.getAttribute("src"))).toEqual([PNG]);
    expect(images[0]!.getAttribute("alt")).toBe("dot");
    const link = root.querySelector("a.remote-image")!;
    expect(link.getAttribute("href")).toBe("https://example.com/cat.png");
    expect(link.textContent).toBe("image: remote");
  });

  it("highlights fenced code and escapes it", () => {
    const root = dom(renderMarkdown("```python\ndef f(x):\n    return '<b>'\n```"));
    const code = root.querySelector("pre code")!;
    expect(code.querySelector(".hljs-keyword")?.textContent).toBe("def");
    expect(code.textContent).toContain("return '<b>'");
    expect(code.querySelector("b")).toBeNull();
  });
});

describe("sanitizeHtml", () => {
  it("removes what a renderer might let through", () => {
    const html =
      '<p>ok</p><script>alert(1)</script><img src="x" onerror="alert(1)">' +
      '<a href="javascript:alert(1)">x</a><iframe src="https://e.com"></iframe>' +
      '<svg><script>alert(1)</script></svg><style>*{}</style><a href="https://e.com" onclick="x()">y</a>';
    const root = dom(sanitizeHtml(html));
    expect(dangerous(root)).toEqual([]);
    expect(root.querySelector("img")?.hasAttribute("src")).toBe(false);
    const links = [...root.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([null, "https://e.com"]);
    expect(links.every((a) => a.getAttribute("rel") === "noopener noreferrer")).toBe(true);
  });
});

describe("URL checks", () => {
  it("allows only http(s)/mailto links and raster data images", () => {
    expect(safeHref(" https://e.com ")).toBe("https://e.com");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("/relative")).toBeNull();
    expect(isDataImage(PNG)).toBe(true);
    expect(isDataImage("data:image/svg+xml;base64,PHN2Zz4=")).toBe(false);
    expect(isDataImage("https://e.com/a.png")).toBe(false);
  });
});
