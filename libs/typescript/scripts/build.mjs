// Builds the package in the current directory: ESM and CJS bundles of src/index.ts (esbuild,
// dependencies left external) and type declarations (tsc). Run as `npm run build` in a package.
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true });
const common = {
  entryPoints: ["src/index.ts"],
  bundle: true,
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
};
await build({ ...common, format: "esm", outfile: "dist/index.js" });
await build({ ...common, format: "cjs", outfile: "dist/index.cjs" });
const tsc = join(require.resolve("typescript/package.json"), "..", "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
// The CommonJS entry gets declarations of its own name, as `require` resolution expects.
for (const file of readdirSync("dist")) {
  if (file === "index.d.ts") copyFileSync(join("dist", file), join("dist", "index.d.cts"));
}
