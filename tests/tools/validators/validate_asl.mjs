// Checks AWS Step Functions state machines (ASL JSON files) with asl-validator, its JSONPath and
// ARN checks on (both options given: they replace the defaults rather than merge). Prints each
// error; exit 0 if every file is valid, 1 otherwise, 2 on bad input.
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";

const require = createRequire(import.meta.url);
const aslValidator = require("asl-validator");
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate_asl.mjs FILE...");
  process.exit(2);
}
let failed = false;
for (const file of files) {
  let definition;
  try {
    definition = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  // The validator adds fields to what it checks: give it a copy.
  const {isValid, errorsText} = aslValidator(structuredClone(definition), {checkPaths: true, checkArn: true});
  if (!isValid) {
    console.log(`${file}: ${errorsText("\n")}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
