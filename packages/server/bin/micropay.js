#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm ci` (the root package's prepare script runs tsc).
import '../dist/cli/main.js';
