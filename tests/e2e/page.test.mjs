// End-to-end: every case of tests/e2e/page-cases.mjs against the page served from the
// repository by scripts/serve.py (the development server).
import { pageTests, servePython } from './page-cases.mjs';

pageTests({ serve: () => servePython(Number(process.env.E2E_PORT || 8123)) });
