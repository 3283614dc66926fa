import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML: only what the checks need is typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  // The rest is checked against the Kubernetes schemas, not by TypeScript.
  [key: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string> }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'merge' | 'replace'; literals?: string[] }[];
  secretGenerator?: { name: string; literals?: string[] }[];
}

const CLUSTER_SCOPED = new Set(['Namespace']);

export function readYamlObjects(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

function literals(list: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(list.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/**
 * What `kustomize build <dir>` gives for the fields these manifests use: resources (files and
 * directories), namespace, labels, images, replicas, and ConfigMap/Secret generators from literals
 * (without the name hash kustomize appends: the checks compare names, not hashes). Anything else in
 * a kustomization.yaml is refused, so a feature added there cannot go unchecked.
 */
export function build(dir: string): K8sObject[] {
  const [file] = readYamlObjects(join(dir, 'kustomization.yaml')) as unknown as Kustomization[];
  if (!file) throw new Error(`${dir}: empty kustomization.yaml`);
  const known = ['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'replicas', 'configMapGenerator', 'secretGenerator'];
  const unknown = Object.keys(file).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: this test's kustomize does not know ${unknown.join(', ')}`);

  let objects: K8sObject[] = (file.resources ?? []).flatMap((resource) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? build(path) : readYamlObjects(path);
  });
  for (const generator of file.configMapGenerator ?? []) {
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === generator.name);
    if (generator.behavior === 'merge') {
      if (!existing) throw new Error(`${dir}: configMapGenerator merges into ${generator.name}, which no resource defines`);
      existing.data = { ...existing.data, ...literals(generator.literals) };
    } else {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data: literals(generator.literals) });
    }
  }
  for (const generator of file.secretGenerator ?? []) {
    const data = Object.fromEntries(Object.entries(literals(generator.literals)).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: generator.name }, type: 'Opaque', data });
  }
  objects = objects.map((object) => structuredClone(object));
  for (const object of objects) {
    for (const { pairs } of file.labels ?? []) object.metadata.labels = { ...object.metadata.labels, ...pairs };
    if (file.namespace && !CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = file.namespace;
    if (object.kind === 'Namespace' && file.namespace && object.metadata.name !== file.namespace) {
      throw new Error(`${dir}: a Namespace ${object.metadata.name} beside namespace: ${file.namespace}`);
    }
    const replicas = file.replicas?.find((r) => r.name === object.metadata.name);
    const spec = object.spec as { replicas?: number; template?: { spec?: { containers?: { image: string }[] } } } | undefined;
    if (replicas && spec) spec.replicas = replicas.count;
    for (const container of spec?.template?.spec?.containers ?? []) {
      const [name, tag] = container.image.split(':');
      const image = file.images?.find((i) => i.name === name);
      if (image) container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`;
    }
  }
  return objects;
}

export const kustomizationDir = (root: string, ...parts: string[]) => join(root, 'deploy', 'kubernetes', ...parts);
