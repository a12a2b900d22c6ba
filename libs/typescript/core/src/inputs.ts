/**
 * A traced function's inputs: `{parameter name: argument}` where the parameter names can be
 * read from the function's source, else `{args: [...]}` (destructured parameters, native or
 * bound functions). Parsed once per traced function.
 */
export type InputCapture = (args: unknown[]) => Record<string, unknown>;

/** Any function at all: only its source text is read. */
type AnyFunction = (...args: never[]) => unknown;

export function inputCapture(fn: AnyFunction): InputCapture {
  const names = parameterNames(fn);
  if (names === undefined) return (args) => ({ args });
  return (args) => {
    const inputs: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name.startsWith("...")) {
        inputs[name.slice(3)] = args.slice(i);
        return inputs;
      }
      if (i < args.length) inputs[name] = args[i];
    }
    return inputs;
  };
}

/** Parameter names (a rest parameter as "...name"), or undefined when they cannot be read. */
export function parameterNames(fn: AnyFunction): string[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  source = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "").trim();
  if (source.startsWith("class") || source.includes("[native code]")) return undefined;
  const bare = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (bare) return [bare[1] as string];
  const open = source.indexOf("(");
  if (open < 0) return undefined;
  const params = balanced(source, open);
  if (params === undefined) return undefined;
  const names: string[] = [];
  for (const raw of splitTopLevel(params)) {
    const param = raw.trim();
    if (!param) continue;
    const match = /^(\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*(?:=[\s\S]*)?$/.exec(param);
    if (!match) return undefined; // destructuring: no single name to give
    names.push((match[1] ?? "") + (match[2] as string));
  }
  return names;
}

/** Walk `text` from `from`, calling `visit(index, depth)` on each character outside quotes
 * (depth counts open brackets before it); stops when `visit` returns true. */
function scan(text: string, from: number, visit: (index: number, char: string, depth: number) => boolean): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (visit(i, ch, depth)) return;
  }
}

/** The text inside the brackets opening at `open`, or undefined if they never close. */
function balanced(source: string, open: number): string | undefined {
  let inner: string | undefined;
  scan(source, open, (i, _ch, depth) => {
    if (depth !== 0) return false;
    inner = source.slice(open + 1, i);
    return true;
  });
  return inner;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  scan(text, 0, (i, ch, depth) => {
    if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  parts.push(text.slice(start));
  return parts;
}
