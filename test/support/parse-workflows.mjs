// node test/support/parse-workflows.mjs <workflow.yml...>
// Parses each workflow with GitHub's own parser (@actions/workflow-parser, from actions/languageservices: the
// schema and conversion behind the Actions VS Code extension) and prints, as JSON on stdout, per file the
// errors it found and the jobs it converted. A child process of test/workflow-parser.test.ts, because the
// package is ECMAScript modules only and jest runs the suite as CommonJS.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

// The package imports its JSON schema without `with { type: 'json' }`, which bundlers accept and Node does
// not: give JSON imports the attribute Node asks for.
const jsonAttribute = `export async function load(url, context, nextLoad) {
  return nextLoad(url, url.endsWith('.json') ? { ...context, importAttributes: { ...context.importAttributes, type: 'json' } } : context);
}`;
register(`data:text/javascript,${encodeURIComponent(jsonAttribute)}`);
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');

const results = [];
for (const file of process.argv.slice(2)) {
  const parsed = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  // Conversion checks what the schema alone cannot (needs naming a job, matrix and expression use) and adds
  // its findings to the same error list.
  const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value) : undefined;
  results.push({
    file,
    errors: parsed.context.errors.getErrors().map((error) => error.message),
    jobs: (template?.jobs ?? []).map((job) => job.id.value),
  });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
