/**
 * Trace and span ids, made as the Python SDK makes them. A trace id starts with its trace's
 * time: 12 hex digits of milliseconds since the epoch, then 20 random ones (80 bits), so that a
 * store's indexes keyed by trace id take new traces at their end instead of at random places
 * (as UUIDv7 and AWS X-Ray ids do). Still a W3C trace id: level 2 asks only the rightmost
 * 7 bytes to be random.
 */
import { randomFillSync } from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

const MS_DIGITS = 12;
const MAX_MS = 2 ** 48;

function randomHex(digits: number): string {
  const bytes = randomFillSync(new Uint8Array(digits / 2));
  if (bytes.every((b) => b === 0)) bytes[bytes.length - 1] = 1; // all zeros is not a valid id
  return Buffer.from(bytes).toString("hex");
}

/** A trace id whose first 12 digits are `ms` (default now), the last 20 random. */
export function newTraceId(ms: number = Date.now()): string {
  const whole = Math.floor(ms);
  const stamp = whole >= 0 && whole < MAX_MS ? whole : Date.now();
  return stamp.toString(16).padStart(MS_DIGITS, "0") + randomHex(32 - MS_DIGITS);
}

/** The ids OpenTelemetry's tracer gives the SDK's spans. */
export class TimeFirstIdGenerator implements IdGenerator {
  generateTraceId(): string {
    return newTraceId();
  }

  generateSpanId(): string {
    return randomHex(16);
  }
}
