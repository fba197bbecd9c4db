// Validates a JSON Feed 1.1 document against the jsonfeed-schema package's
// draft-07 schema with ajv.
//
//	node .ci/jsonfeed-validate.mjs FILE
//
// Prints each error with its instance path and exits 1 when FILE is not a
// valid JSON Feed, 2 on a usage or read error, 0 (printing nothing) when it is
// valid. The packages come from .ci/node_modules: `npm ci --prefix .ci`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// Loaded here rather than imported, so that missing packages exit 2 like
// any other usage error instead of 1, which means "invalid".
let Ajv, addFormats, schema;
try {
  Ajv = (await import("ajv")).default;
  addFormats = (await import("ajv-formats")).default;
  schema = createRequire(import.meta.url)("jsonfeed-schema/schema-v1.1.json");
} catch (err) {
  console.error(`${err.message}\nrun: npm ci --prefix .ci`);
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error("usage: node jsonfeed-validate.mjs FILE");
  process.exit(2);
}

let text;
try {
  text = readFileSync(file, "utf8");
} catch (err) {
  console.error(`${file}: ${err.message}`);
  process.exit(2);
}

let doc;
try {
  doc = JSON.parse(text);
} catch (err) {
  console.log(`${file}: not JSON: ${err.message}`);
  process.exit(1);
}

// Strict, so that an unknown keyword or format fails loudly instead of
// passing everything, except for the "required property not defined here"
// lint, which the schema's anyOf of required content fields trips.
let validate;
try {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  validate = ajv.compile(schema);
} catch (err) {
  console.error(`jsonfeed-schema: ${err.message}`);
  process.exit(2);
}
if (validate(doc)) {
  process.exit(0);
}
for (const e of validate.errors) {
  const extra = Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "";
  console.log(`${file}: ${e.instancePath || "/"}: ${e.message}${extra}`);
}
process.exit(1);
