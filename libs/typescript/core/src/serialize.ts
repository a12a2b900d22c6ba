/**
 * Plain JSON values from anything a user passes as inputs, outputs or attributes.
 *
 * Never throws and never consumes an iterator: objects with `toJSON` use it; Dates become ISO
 * text, bigints numbers (or text when too large), Maps objects, Sets arrays, typed arrays and
 * Buffers base64, Errors `{name, message}`; functions, symbols and iterators become a readable
 * string; cycles are cut, and so is the rest of a value past MAX_NODES (an object graph that
 * shares its parts, such as a client holding its whole library, grows exponentially as a tree).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 64;
const CYCLE = "<cycle>";
const TOO_DEEP = "<too deep>";
const MAX_NODES = 100_000;
const TRUNCATED = "<truncated>";

/** One conversion's state: the objects on the current path, and the nodes it may still visit. */
interface Walk {
  readonly seen: Set<object>;
  left: number;
}

function walk(): Walk {
  return { seen: new Set(), left: MAX_NODES };
}

/** `value` as a JSON value (undefined at top level stays undefined). */
export function toJson(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  return convert(value, walk(), 0);
}

/** JSON text of `value` (the reserved span keys hold JSON text, as in the Python SDK). */
export function dumps(value: unknown): string {
  try {
    // Plain data (the common case) takes JSON.stringify's fast path, without a replacer.
    if (isPlain(value, 0)) return JSON.stringify(value) ?? "null";
    return JSON.stringify(value, replacer()) ?? "null";
  } catch {
    try {
      return JSON.stringify(toJson(value) ?? null);
    } catch {
      return JSON.stringify(describe(value)); // still beyond a string's length
    }
  }
}

function replacer(): (this: unknown, key: string, value: unknown) => unknown {
  // JSON.stringify handles plain data fast; only the unusual values need converting here.
  const state = walk();
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (--state.left < 0) return TRUNCATED;
    switch (typeof value) {
      case "bigint":
        return bigint(value);
      case "function":
      case "symbol":
        return describe(value);
      case "object":
        if (value === null || Array.isArray(value)) return value;
        if (Object.getPrototypeOf(value) === Object.prototype) return value;
        return convert(value, walk(), 0);
      default:
        return value;
    }
  };
}

/** Whether JSON.stringify encodes `value` faithfully: only plain objects, arrays, strings,
 * finite numbers, booleans and null (undefined object members are left out, as in JSON). */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth > 32) return false; // deep (or cyclic) data: let the careful path decide
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (value[i] === undefined || !isPlain(value[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined && !isPlain(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function bigint(value: bigint): number | string {
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

function describe(value: unknown): string {
  if (typeof value === "function") return `<function ${value.name || "anonymous"}>`;
  if (typeof value === "symbol") return value.toString();
  const name = (value as object | null)?.constructor?.name ?? "Object";
  return `<${name}>`;
}

function convert(value: unknown, state: Walk, depth: number): JsonValue {
  if (--state.left < 0) return TRUNCATED;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return bigint(value);
    case "undefined":
      return null;
    case "function":
    case "symbol":
      return describe(value);
  }
  if (value === null) return null;
  const obj = value as object;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (state.seen.has(obj)) return CYCLE;
  state.seen.add(obj);
  try {
    return convertObject(obj, state, depth + 1);
  } catch {
    return describe(obj);
  } finally {
    state.seen.delete(obj);
  }
}

function convertObject(obj: object, state: Walk, depth: number): JsonValue {
  if (Array.isArray(obj)) return obj.map((item) => convert(item, state, depth));
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? String(obj) : obj.toISOString();
  if (obj instanceof Error) {
    return { name: obj.name, message: obj.message };
  }
  if (ArrayBuffer.isView(obj)) {
    return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString("base64");
  }
  if (obj instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of obj) out[String(key)] = convert(item, state, depth);
    return out;
  }
  if (obj instanceof Set) return [...obj].map((item) => convert(item, state, depth));
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return convert(toJSON.call(obj), state, depth);
  if (isIterator(obj)) return describe(obj); // never consume the caller's iterator
  if (obj instanceof Promise) return "<Promise>";
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(obj)) {
    const item = (obj as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = convert(item, state, depth);
  }
  return out;
}

function isIterator(obj: object): boolean {
  const candidate = obj as { next?: unknown };
  return typeof candidate.next === "function" && (Symbol.iterator in obj || Symbol.asyncIterator in obj);
}
