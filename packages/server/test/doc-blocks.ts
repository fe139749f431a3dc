import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The docs' examples, read at test time so the tests run what a reader copies.
 *
 * A tested block is named by a marker, an HTML comment alone on the line right before the
 * block's opening fence:
 *
 *     <!-- test: NAME -->
 *     ```json
 *     ...
 *     ```
 *
 * Markdown renderers hide the comment, so readers see a plain example. A marker, unlike a block's
 * position, stays right when blocks are added, moved or removed around it, and it tells a doc
 * writer that the block below is run by a test. A marker without a fenced block right under it,
 * a name used twice, or a name asked for that no doc has fails the test instead of testing
 * nothing.
 *
 * docs/cli.md's command samples (`$ micropay …` and their output) need no marker: every one of
 * them is run, in order, by cli-samples.sqlite.test.ts (doc-transcripts.ts says how they match).
 */

export const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));

export function readDoc(name: string): string {
  return readFileSync(DOCS_DIR + name, 'utf8');
}

const MARKER = /^<!-- test: ([a-z0-9-]+) -->$/;
const FENCE = /^(`{3,})[\w-]*$/;

/** Every marked block of a doc, by name: the text between the fences, ending in a newline. */
export function markedBlocks(doc: string): Map<string, string> {
  const lines = doc.split('\n');
  const blocks = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const name = MARKER.exec(lines[i]!)?.[1];
    if (name === undefined) continue;
    const fence = FENCE.exec(lines[i + 1] ?? '')?.[1];
    if (fence === undefined) throw new Error(`marker "${name}" (line ${i + 1}) is not followed by a fenced code block`);
    const end = lines.findIndex((line, j) => j > i + 1 && line === fence);
    if (end === -1) throw new Error(`the block of marker "${name}" (line ${i + 1}) is never closed`);
    if (blocks.has(name)) throw new Error(`marker "${name}" is used twice`);
    blocks.set(name, lines.slice(i + 2, end).join('\n') + '\n');
  }
  return blocks;
}

/** The block marked `name` in the doc; fails when there is none. */
export function docBlock(docName: string, name: string): string {
  const block = markedBlocks(readDoc(docName)).get(name);
  if (block === undefined) throw new Error(`docs/${docName} has no block marked <!-- test: ${name} -->`);
  return block;
}

/** Every fenced block of a doc whose info string is `lang` (`''` for none), marked or not. */
export function fencedBlocks(doc: string, lang: string): string[] {
  const blocks: string[] = [];
  let open: { fence: string; lang: string; lines: string[] } | null = null;
  for (const line of doc.split('\n')) {
    if (open === null) {
      const m = /^(`{3,})([\w-]*)$/.exec(line);
      if (m !== null) open = { fence: m[1]!, lang: m[2]!, lines: [] };
    } else if (line === open.fence) {
      if (open.lang === lang) blocks.push(open.lines.join('\n') + '\n');
      open = null;
    } else {
      open.lines.push(line);
    }
  }
  return blocks;
}
