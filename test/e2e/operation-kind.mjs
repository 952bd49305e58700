// Loads the GraphiQL page's bootstrap script (internal/edge/playground/assets/roomgraph/bootstrap.js) in
// Node, where it exports operationKind alone, and classifies each case of CASES (a JSON array of
// {"query": "...", "operationName": "..."}). Prints ONE JSON array: the kind for each case, in order.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { operationKind } = require('../../internal/edge/playground/assets/roomgraph/bootstrap.js');
const cases = JSON.parse(process.env.CASES ?? '[]');
process.stdout.write(JSON.stringify(cases.map((c) => operationKind(c.query, c.operationName ?? undefined))) + '\n');
