// Checks Kubernetes objects with the kubernetes-models validators (the API's OpenAPI schemas:
// required fields, types, enums, quantities). Reads JSON, one object per line, from the files
// given; prints one line per invalid object; exit 0 if all are valid, 1 otherwise, 2 on bad input.
// (The validators accept unknown fields: a misspelled one passes.)
import {readFileSync} from "node:fs";
import {Job} from "kubernetes-models/batch/v1";
import {Deployment} from "kubernetes-models/apps/v1";
import {Service, PersistentVolumeClaim, Secret} from "kubernetes-models/v1";

const kinds = {Job, Deployment, Service, PersistentVolumeClaim, Secret};
let failed = false;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate_k8s.mjs FILE...");
  process.exit(2);
}
for (const file of files) {
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  lines.forEach((line, i) => {
    let object;
    try {
      object = JSON.parse(line);
    } catch (e) {
      console.error(`${file}:${i + 1}: not JSON: ${e.message}`);
      process.exit(2);
    }
    const Kind = kinds[object.kind];
    if (!Kind) {
      console.log(`${file}:${i + 1}: unknown kind ${object.kind}`);
      failed = true;
      return;
    }
    try {
      new Kind(object).validate();
    } catch (e) {
      console.log(`${file}:${i + 1}: ${object.kind} ${object.metadata?.name}: ${e.message}`);
      failed = true;
    }
  });
}
process.exit(failed ? 1 : 0);
