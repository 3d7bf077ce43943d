// Runs bpmnlint's recommended rules on BPMN files (the "second opinion" of `validate`).
// Prints one JSON object: {"<path>": {"ok": true, "reports": [{id, message, rule, category}]}}
// or {"ok": false, "error": "..."} when the file cannot be read by bpmn-moddle.
// Usage: node camunda_sync/js/bpmnlint.mjs FILE...   (packages from the repo's package.json)
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
const camundaDescriptor = require('camunda-bpmn-moddle/resources/camunda.json');

const linter = new Linter({
  config: { extends: 'bpmnlint:recommended' },
  resolver: new NodeResolver({ require }),
});

async function lint(path) {
  const moddle = new BpmnModdle({ camunda: camundaDescriptor });
  try {
    const { rootElement } = await moddle.fromXML(await readFile(path, 'utf8'), 'bpmn:Definitions');
    const results = await linter.lint(rootElement);
    const reports = [];
    for (const [rule, items] of Object.entries(results)) {
      for (const item of items) {
        reports.push({ id: item.id || null, message: item.message, rule, category: item.category });
      }
    }
    return { ok: true, reports };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

const results = {};
for (const path of process.argv.slice(2)) {
  results[path] = await lint(path);
}
process.stdout.write(JSON.stringify(results) + '\n');
