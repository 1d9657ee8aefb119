import * as YAML from 'yaml';

/** A rendered object keyed the way a reviewer names it. */
export interface KeyedObject {
  /** dist/ folder below the cluster: `eks-acg/development`. */
  readonly folder: string;
  /** `Kind/name` (with the namespace when it has one: `Kind/namespace/name`). */
  readonly id: string;
  readonly kind: string;
  readonly object: any;
}

/** Indexes the Kubernetes objects of rendered files (path below dist/ → YAML text) by folder and id. */
export function indexObjects(files: ReadonlyMap<string, string>): Map<string, KeyedObject> {
  const out = new Map<string, KeyedObject>();
  for (const [file, text] of files) {
    // The pictures (README.md) beside the YAML are not objects.
    if (!file.endsWith('.yaml')) continue;
    const folder = file.split('/').slice(0, -1).join('/');
    for (const doc of YAML.parseAllDocuments(text)) {
      const object = doc.toJS();
      if (!object?.kind) continue;
      const ns = object.metadata?.namespace;
      const id = `${object.kind}/${ns ? `${ns}/` : ''}${object.metadata?.name ?? ''}`;
      out.set(`${folder}::${id}`, { folder, id, kind: object.kind, object });
    }
  }
  return out;
}

/** One changed leaf: its path and the values before and after. */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The leaves that differ between two values, with dotted paths (`spec.template.spec.containers[0].image`). */
export function changedFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  // Maps key by key, also when one side has none (a new annotations map shows each annotation).
  const plainOrNone = (v: unknown) => isPlain(v) || v === undefined;
  if ((isPlain(before) || isPlain(after)) && plainOrNone(before) && plainOrNone(after)) {
    const b = (before ?? {}) as Record<string, unknown>;
    const a = (after ?? {}) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    return keys.flatMap((k) => changedFields(b[k], a[k], path ? `${path}.${k}` : k));
  }
  // Arrays element by element (an element only on one side shows as added or removed), so a
  // changed env var reads `containers[0].env[3].value`, never the whole list.
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => changedFields(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

export interface ObjectDiff {
  readonly added: KeyedObject[];
  readonly removed: KeyedObject[];
  readonly changed: Array<{ object: KeyedObject; fields: FieldChange[] }>;
}

/** What changed between two renders, object by object. */
export function diffObjects(before: ReadonlyMap<string, KeyedObject>, after: ReadonlyMap<string, KeyedObject>): ObjectDiff {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const diff: ObjectDiff = { added: [], removed: [], changed: [] };
  for (const key of keys) {
    const a = before.get(key);
    const b = after.get(key);
    if (!a && b) diff.added.push(b);
    else if (a && !b) diff.removed.push(a);
    else if (a && b) {
      const fields = changedFields(a.object, b.object);
      if (fields.length > 0) diff.changed.push({ object: b, fields });
    }
  }
  return diff;
}

/**
 * What changed between two renders' files (path below dist/ → text): only the files whose text
 * differs are parsed, since an unchanged file holds the same objects on both sides. A promote or a
 * bump changes one environment's folder; the rest of dist/ is compared as text.
 */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ObjectDiff {
  const differs = (file: string) => before.get(file) !== after.get(file);
  const only = (files: ReadonlyMap<string, string>) => new Map([...files].filter(([file]) => differs(file)));
  return diffObjects(indexObjects(only(before)), indexObjects(only(after)));
}

/** Counts per kind: `{ Deployment: { added: 0, changed: 2, removed: 0 } }`, kinds sorted. */
export function summarizeByKind(diff: ObjectDiff): Array<{ kind: string; added: number; changed: number; removed: number }> {
  const rows = new Map<string, { kind: string; added: number; changed: number; removed: number }>();
  const row = (kind: string) => rows.get(kind) ?? rows.set(kind, { kind, added: 0, changed: 0, removed: 0 }).get(kind)!;
  for (const o of diff.added) row(o.kind).added++;
  for (const o of diff.removed) row(o.kind).removed++;
  for (const c of diff.changed) row(c.object.kind).changed++;
  return [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}
