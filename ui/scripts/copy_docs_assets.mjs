// Copies Swagger UI's and ReDoc's browser files into the built UI (docs-assets/), so the
// server's /docs and /redoc pages load them from the package and work offline
// (src/spanscope/server/docs.py).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ui = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(ui, "node_modules");
const out = join(ui, "..", "src", "spanscope", "server", "static", "docs-assets");
const files = {
  "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
  "swagger-ui-dist/favicon-32x32.png": "favicon-32x32.png",
  "swagger-ui-dist/LICENSE": "swagger-ui-LICENSE",
  "redoc/bundles/redoc.standalone.js": "redoc.standalone.js",
  "redoc/LICENSE": "redoc-LICENSE",
};
mkdirSync(out, { recursive: true });
for (const [from, to] of Object.entries(files)) copyFileSync(join(modules, from), join(out, to));

// ReDoc's sidebar shows its maker's logo from a CDN (the one thing it loads from outside);
// an empty image fails to load, and ReDoc then leaves the logo out.
const redoc = join(out, "redoc.standalone.js");
const logo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const source = readFileSync(redoc, "utf8");
if (!source.includes(logo)) throw new Error(`${logo} is no longer in ReDoc: check this script`);
writeFileSync(redoc, source.replaceAll(logo, "data:,"));
console.log(`docs assets: ${Object.keys(files).length} files in ${out}`);
