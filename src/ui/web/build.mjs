// Bundles the web UI into OUT_DIR (argv[2]): index.html, app.js (one minified IIFE with every
// module of src/) and app.css, for `conflux service` to serve at /ui (assets under /ui/assets).
// The page loads nothing else: no CDN, no web fonts, so it works offline.
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, target: "es2020", legalComments: "none", logLevel: "warning" };
await build({ ...common, format: "iife", entryPoints: [join(here, "src/main.js")], outfile: join(out, "app.js") });
await build({ ...common, entryPoints: [join(here, "src/app.css")], outfile: join(out, "app.css") });

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Conflux</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/app.css">
<script defer src="/ui/assets/app.js"></script>
</head>
<body>
<div id="app"><noscript>The Conflux UI needs JavaScript.</noscript></div>
</body>
</html>
`;
writeFileSync(join(out, "index.html"), html);
