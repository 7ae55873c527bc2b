import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './gateway-process.js';

/** One Kubernetes object as rendered (only the fields the deploy tests read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The overlays of k8s/ that an operator applies (`kubectl apply -k k8s/overlays/<name>`). */
export const OVERLAYS = ['small', 'production'] as const;

/**
 * `kubectl kustomize k8s/overlays/<overlay>`, parsed. The overlays use the fields kustomize v2
 * (Debian's kubectl 1.20) knows, which today's kubectl builds the same with deprecation
 * warnings on stderr: kept out of the test output.
 */
export function renderOverlay(overlay: string): K8sObject[] {
  const rendered = execFileSync('kubectl', ['kustomize', `${REPO_ROOT}k8s/overlays/${overlay}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseObjects(rendered);
}

/** Every object of a multi-document YAML file of the repository. */
export function readObjects(relativePath: string): K8sObject[] {
  return parseObjects(readFileSync(`${REPO_ROOT}${relativePath}`, 'utf8'));
}

function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
    return document.toJS() as K8sObject;
  }).filter((object) => object !== null);
}

/**
 * Validates an object against the Kubernetes API's OpenAPI schema of its apiVersion and kind
 * (kubernetes-models ships them and validates offline). Throws naming the field.
 */
export async function validateAgainstSchema(object: K8sObject): Promise<void> {
  const module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

export function findOrFail(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** The pod template's spec of a Deployment or StatefulSet. */
export function podSpec(workload: K8sObject): any {
  return workload.spec.template.spec;
}

/** The script a container's `node` command runs: its first argument that is not one of node's own flags. */
export function entryOf(command: readonly string[]): string | undefined {
  return command.slice(1).find((arg) => !arg.startsWith('-'));
}
