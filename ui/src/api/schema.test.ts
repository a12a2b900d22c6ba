// The committed TS types must be what openapi-typescript makes of the committed schema (which
// `python ui/scripts/dump_openapi.py --check` keeps equal to the server's).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { expect, it } from "vitest";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

it("schema.ts is generated from openapi.json", async () => {
  const schema = JSON.parse(readFileSync(here("./openapi.json"), "utf8")) as object;
  const generated = astToString(await openapiTS(schema as never));
  const committed = readFileSync(here("./schema.ts"), "utf8");
  const body = (text: string) => text.slice(text.indexOf("export "));
  expect(body(committed)).toBe(body(generated));
}, 30_000);
