// Which URLs from span content the UI may put in a link or an image, without the markdown
// renderer (so the chat view can check image parts without loading it).
export const LINK_SCHEMES = /^(?:https?:|mailto:)/i;
// Only raster images inline: an image from a data URL is part of the span, so showing it
// fetches nothing.
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|bmp|avif);base64,[a-z0-9+/=\s]*$/i;

/** The href when it is http(s) or mailto, else null (javascript:, data:, relative, ...). */
export function safeHref(href: string | null | undefined): string | null {
  const trimmed = (href ?? "").trim();
  return LINK_SCHEMES.test(trimmed) ? trimmed : null;
}

/** Whether a URL is a base64 data URL of a raster image (safe to show inline). */
export function isDataImage(src: string | null | undefined): boolean {
  return DATA_IMAGE.test((src ?? "").trim());
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
