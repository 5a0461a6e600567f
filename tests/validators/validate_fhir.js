// Validate every FHIR R4 JSON file in a folder with FHIR.js (npm `fhir` 4.12.0): required
// elements, unknown elements, JSON types and required-binding codes, inside Bundles too.
// Usage: node validate_fhir.js DIR. Exits 1 when any file has an error.
'use strict';
const fs = require('fs');
const path = require('path');
const { Fhir } = require('fhir');

const folder = process.argv[2];
const files = fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) {
  console.error(`validate_fhir.js: no JSON files in ${folder}`);
  process.exit(1);
}
const fhir = new Fhir();
let bad = 0;
for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  const errors = result.messages.filter((m) => m.severity === 'error');
  if (!result.valid || errors.length > 0) {
    bad += 1;
    console.log(`${file}: ${errors.slice(0, 10).map((m) => `${m.location}: ${m.message}`).join('; ')}`);
  }
}
console.log(`FHIR.js 4.12.0: ${files.length - bad} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
