// Reference canonicalizer for Meriter's differential tests: reads JSON
// documents, one per line, on stdin; prints one JSON line per document:
// {"nquads": "..."} or {"error": "..."}. Contexts come only from the SAME
// bundled files the Python engine uses (its manifest.json); no network.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import jsonld from 'jsonld';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../../shared/credentials/meriter_credentials/jsonld/contexts');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const cache = new Map();
for(const [url, entry] of Object.entries(manifest)) {
  cache.set(url, JSON.parse(fs.readFileSync(path.join(dir, entry.file), 'utf8')));
}
const documentLoader = async url => {
  if(!cache.has(url)) {
    throw new Error(`context not bundled: ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: cache.get(url)};
};

const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
for await (const line of rl) {
  if(!line.trim()) {
    continue;
  }
  let out;
  try {
    const nquads = await jsonld.canonize(JSON.parse(line), {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader,
      safe: true, rdfDirection: 'i18n-datatype'
    });
    out = {nquads};
  } catch(e) {
    out = {error: String(e && e.message || e)};
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
