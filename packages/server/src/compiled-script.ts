import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A script the server runs in another thread or process, by the path of its build under dist/
 * (such as `http/socket-copier.js`). Beside this module when it runs from the build; tests run the
 * TypeScript source, where there is no .js beside it, and then get the build of the same source
 * (`npm test` builds first).
 */
export function compiledScript(path: string): URL {
  const beside = new URL(`./${path}`, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL(`../dist/${path}`, import.meta.url);
}
