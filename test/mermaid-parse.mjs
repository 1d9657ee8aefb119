// Parses Mermaid diagrams with Mermaid itself (under jsdom, offline) and prints what it understood:
// stdin is a JSON array of diagram texts; stdout a JSON array of { error } or { vertices, edges, subgraphs }.
// Run by test/picture.test.ts as a child process: Mermaid is an ES module that jest's CommonJS runtime cannot load.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
    results.push({
      vertices: [...db.getVertices().values()].map((v) => ({ id: v.id, text: v.text, type: v.type, classes: v.classes })),
      edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text, stroke: e.stroke })),
      subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes })),
    });
  } catch (err) {
    results.push({ error: String(err?.message ?? err).split('\n')[0] });
  }
}
process.stdout.write(JSON.stringify(results));
