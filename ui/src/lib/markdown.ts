// Markdown in chat messages, made safe to insert: span content is written by whatever the traced
// application received, so it is untrusted. Two layers keep it inert: the renderer turns every
// raw HTML token into escaped text and emits only allowlisted links and images, and DOMPurify
// then sanitizes the result with an allowlist of tags and attributes anyway.
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { Marked, type Tokens } from "marked";
import { escapeHtml, isDataImage, LINK_SCHEMES, safeHref } from "./safeUrl";

hljs.registerLanguage("bash", bash);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("python", python);
hljs.registerLanguage("sql", sql);
hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("xml", xml);
hljs.registerLanguage("yaml", yaml);

// Auto-detection is slow on long text; such blocks stay plain.
const MAX_AUTO_DETECT = 5_000;

/** Code as highlight.js markup (escaped), or escaped text for an unknown language. */
export function highlightCode(code: string, lang: string | undefined): string {
  const language = (lang ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (language && hljs.getLanguage(language)) {
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  }
  if (!language && code.length <= MAX_AUTO_DETECT) {
    const guess = hljs.highlightAuto(code);
    if (guess.language && guess.relevance >= 5) return guess.value;
  }
  return escapeHtml(code);
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML, block or inline, is shown as the text it is.
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      const safe = safeHref(href);
      if (safe === null) return inner;
      const titled = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(safe)}"${titled}>${inner}</a>`;
    },
    image({ href, title, text }: Tokens.Image) {
      const alt = escapeHtml(text);
      if (isDataImage(href)) {
        const titled = title ? ` title="${escapeHtml(title)}"` : "";
        return `<img src="${escapeHtml(href.trim())}" alt="${alt}"${titled}>`;
      }
      // A remote image is never loaded by itself: it is offered as a link.
      const safe = safeHref(href);
      if (safe === null) return alt;
      return `<a href="${escapeHtml(safe)}" class="remote-image">image: ${alt || escapeHtml(safe)}</a>`;
    },
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? "").trim().split(/\s+/)[0] ?? "";
      const label = language ? ` data-lang="${escapeHtml(language)}"` : "";
      return `<pre${label}><code class="hljs">${highlightCode(text, lang)}</code></pre>\n`;
    },
  },
});

const ALLOWED_TAGS = [
  "a",
  "blockquote",
  "br",
  "code",
  "del",
  "em",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "img",
  "li",
  "ol",
  "p",
  "pre",
  "s",
  "span",
  "strong",
  "table",
  "tbody",
  "td",
  "th",
  "thead",
  "tr",
  "ul",
];
const ALLOWED_ATTR = ["href", "title", "alt", "src", "class", "start", "align", "data-lang"];

let purifier: ReturnType<typeof DOMPurify> | null = null;

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  // An instance of its own: its hooks apply to chat markdown only.
  const instance = DOMPurify(window);
  instance.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      const href = node.getAttribute("href");
      if (safeHref(href) === null) node.removeAttribute("href");
      node.setAttribute("rel", "noopener noreferrer");
      node.setAttribute("target", "_blank");
    } else if (node.tagName === "IMG" && !isDataImage(node.getAttribute("src"))) {
      node.removeAttribute("src");
    }
  });
  purifier = instance;
  return instance;
}

/** HTML through the allowlist: only the tags and attributes markdown needs, safe URLs only. */
export function sanitizeHtml(html: string): string {
  return getPurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: LINK_SCHEMES,
    ALLOW_DATA_ATTR: false,
  });
}

/** Markdown text as sanitized HTML, ready for innerHTML. */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(marked.parse(text, { async: false }));
}
