// Bundles the card renderer into OUT_DIR (argv[2]): card.js, card.css and vega.js, each one
// self-contained and minified, for src/card/card_assets.S to embed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, format: "iife", target: "es2020", legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: [join(here, "src/card.js")], outfile: join(out, "card.js") });
await build({ ...common, entryPoints: [join(here, "src/vega.js")], outfile: join(out, "vega.js") });
copyFileSync(join(here, "src/card.css"), join(out, "card.css"));
