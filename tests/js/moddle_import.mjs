// Loads BPMN files with the modeller's own parser (bpmn-moddle + camunda-bpmn-moddle) and
// prints, as one JSON object, the import warnings of each file:
//   {"<path>": {"ok": true, "warnings": ["..."]}, "<path>": {"ok": false, "error": "..."}}
// Usage: node tests/js/moddle_import.mjs FILE...
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const camundaDescriptor = require('camunda-bpmn-moddle/resources/camunda.json');

async function importWarnings(path) {
  const moddle = new BpmnModdle({ camunda: camundaDescriptor });
  const xml = await readFile(path, 'utf8');
  try {
    const { warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
    return { ok: true, warnings: warnings.map((warning) => warning.message) };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

const results = {};
for (const path of process.argv.slice(2)) {
  results[path] = await importWarnings(path);
}
process.stdout.write(JSON.stringify(results) + '\n');
