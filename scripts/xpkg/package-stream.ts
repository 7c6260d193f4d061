/**
 * The package.yaml stream: how the build writes it and what a valid one holds.
 *
 * The rules follow the xpkg specification in crossplane/crossplane
 * (contributing/specifications/xpkg.md) and the package linters in
 * crossplane-runtime v2 (pkg/xpkg/lint.go). A package has exactly one meta
 * object. A Function package may add only CustomResourceDefinitions, the
 * schemas of its inputs, and a Configuration package only XRDs and
 * Compositions.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

/** A Kubernetes-style object as parsed from YAML. */
export type KubeObject = Record<string, unknown>;

/** The outcome of one verification step, printed as one line. */
export interface Check {
  ok: boolean;
  message: string;
}

/** The package kinds this project builds. */
export type PackageKind = 'Function' | 'Configuration';

const META_GROUP = 'meta.pkg.crossplane.io';
const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
const XRD_API_VERSIONS = ['apiextensions.crossplane.io/v1', 'apiextensions.crossplane.io/v2'];
const COMPOSITION_API_VERSION = 'apiextensions.crossplane.io/v1';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Read a nested field, returning undefined where any step is missing. */
export function field(object: unknown, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    current = asRecord(current)?.[key];
  }
  return current;
}

/** `Kind name` for messages, for example `Function function-remote-eks`. */
function describe(object: KubeObject): string {
  const kind = asString(object.kind) ?? '<no kind>';
  const name = asString(field(object, 'metadata', 'name')) ?? '<no name>';
  return `${kind} ${name}`;
}

/**
 * Parse a YAML stream into objects, skipping empty documents.
 *
 * @throws Error naming the source and the parser's message when a document
 *   is not valid YAML or is not a mapping.
 */
export function parseYamlStream(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) {
    return objects;
  }
  documents.forEach((document, index) => {
    const firstError = document.errors[0];
    if (firstError) {
      throw new Error(`${source}: document ${index + 1} is not valid YAML: ${firstError.message}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) {
      return;
    }
    const object = asRecord(value);
    if (!object) {
      throw new Error(`${source}: document ${index + 1} is not a YAML mapping`);
    }
    objects.push(object);
  });
  return objects;
}

/**
 * List the YAML files under a package root the way `crossplane xpkg build`
 * reads them: every `.yaml` or `.yml` file at any depth, in lexical order,
 * skipping empty files.
 */
export function listPackageFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        walk(path);
      } else if (/\.ya?ml$/.test(name) && stat.size > 0) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files;
}

/** Parse every YAML file under a package root into objects. */
export function readPackageRoot(root: string): KubeObject[] {
  return listPackageFiles(root).flatMap((path) =>
    parseYamlStream(readFileSync(path, 'utf8'), relative(process.cwd(), path)),
  );
}

/** Report whether an object is a package meta object (`meta.pkg.crossplane.io`). */
export function isMetaObject(object: KubeObject): boolean {
  return asString(object.apiVersion)?.startsWith(`${META_GROUP}/`) ?? false;
}

/**
 * Write the package.yaml stream: the meta object first, then every other
 * object, each document opened by `---`, as `crossplane xpkg build` does.
 * Comments are dropped and each object is written from its parsed value, so
 * the output depends only on the objects.
 */
export function composePackageStream(objects: KubeObject[]): string {
  const metas = objects.filter(isMetaObject);
  const others = objects.filter((object) => !isMetaObject(object));
  return [...metas, ...others]
    .map((object) => `---\n${stringify(object, { lineWidth: 0 })}`)
    .join('');
}

function checkMeta(kind: PackageKind, meta: KubeObject): Check[] {
  const checks: Check[] = [];
  const apiVersion = asString(meta.apiVersion) ?? '';
  const allowedVersions =
    kind === 'Function' ? [`${META_GROUP}/v1`, `${META_GROUP}/v1beta1`] : [`${META_GROUP}/v1`];
  checks.push({
    ok: meta.kind === kind && allowedVersions.includes(apiVersion),
    message: `meta object is ${kind} (${allowedVersions.join(' or ')}): found ${apiVersion} ${String(meta.kind)}`,
  });

  const name = asString(field(meta, 'metadata', 'name'));
  checks.push({
    ok: name !== undefined,
    message: `meta object has metadata.name: ${name ?? 'missing'}`,
  });

  const constraint = asString(field(meta, 'spec', 'crossplane', 'version'));
  checks.push({
    ok: constraint !== undefined,
    message: `meta object sets spec.crossplane.version: ${constraint ?? 'missing'}`,
  });

  if (kind === 'Function') {
    const capabilities = field(meta, 'spec', 'capabilities');
    const list = Array.isArray(capabilities) ? capabilities.map(String) : [];
    checks.push({
      ok: list.includes('composition'),
      message: `meta object lists the composition capability: capabilities [${list.join(', ')}]`,
    });
  }

  if (kind === 'Configuration') {
    const dependsOn = field(meta, 'spec', 'dependsOn');
    const dependencies = Array.isArray(dependsOn) ? dependsOn : [];
    checks.push({
      ok: dependencies.length > 0,
      message: `meta object declares dependencies: ${dependencies.length} in spec.dependsOn`,
    });
    dependencies.forEach((dependency, index) => {
      const pkg =
        asString(field(dependency, 'package')) ??
        asString(field(dependency, 'provider')) ??
        asString(field(dependency, 'function')) ??
        asString(field(dependency, 'configuration'));
      const version = asString(field(dependency, 'version'));
      const typed =
        asString(field(dependency, 'package')) === undefined ||
        (asString(field(dependency, 'apiVersion')) !== undefined &&
          asString(field(dependency, 'kind')) !== undefined);
      checks.push({
        ok: pkg !== undefined && version !== undefined && typed,
        message: `spec.dependsOn[${index}] names a package, its apiVersion and kind, and a version constraint: ${pkg ?? 'no package'} ${version ?? 'no version'}`,
      });
    });
  }
  return checks;
}

function checkCrd(object: KubeObject, position: number, seen: Set<string>): Check {
  const name = asString(field(object, 'metadata', 'name'));
  const group = asString(field(object, 'spec', 'group'));
  const plural = asString(field(object, 'spec', 'names', 'plural'));
  const versions = field(object, 'spec', 'versions');
  const problems: string[] = [];
  if (object.apiVersion !== CRD_API_VERSION || object.kind !== 'CustomResourceDefinition') {
    problems.push(
      `is ${String(object.apiVersion)} ${String(object.kind)}, not a ${CRD_API_VERSION} CustomResourceDefinition`,
    );
  }
  if (!name || name !== `${plural}.${group}`) {
    problems.push(
      `metadata.name ${name ?? '<missing>'} is not <spec.names.plural>.<spec.group> (${plural}.${group})`,
    );
  }
  if (!Array.isArray(versions) || versions.length === 0) {
    problems.push('has no spec.versions');
  }
  if (name && seen.has(name)) {
    problems.push('repeats a CRD name already in the package');
  }
  if (name) {
    seen.add(name);
  }
  return {
    ok: problems.length === 0,
    message: `document ${position} (${describe(object)}) is a valid CRD${problems.length ? `: it ${problems.join('; it ')}` : ''}`,
  };
}

/** Served versions of an XRD as `group/version`, keyed by its kind. */
function servedTypes(xrds: KubeObject[]): Map<string, Set<string>> {
  const types = new Map<string, Set<string>>();
  for (const xrd of xrds) {
    const kind = asString(field(xrd, 'spec', 'names', 'kind'));
    const group = asString(field(xrd, 'spec', 'group'));
    const versions = field(xrd, 'spec', 'versions');
    if (!kind || !group || !Array.isArray(versions)) {
      continue;
    }
    const served = types.get(kind) ?? new Set<string>();
    for (const version of versions) {
      const versionName = asString(field(version, 'name'));
      if (versionName && field(version, 'served') !== false) {
        served.add(`${group}/${versionName}`);
      }
    }
    types.set(kind, served);
  }
  return types;
}

function checkXrd(object: KubeObject, position: number): Check {
  const name = asString(field(object, 'metadata', 'name'));
  const group = asString(field(object, 'spec', 'group'));
  const plural = asString(field(object, 'spec', 'names', 'plural'));
  const kind = asString(field(object, 'spec', 'names', 'kind'));
  const versions = field(object, 'spec', 'versions');
  const problems: string[] = [];
  if (!kind) {
    problems.push('has no spec.names.kind');
  }
  if (!name || name !== `${plural}.${group}`) {
    problems.push(
      `metadata.name ${name ?? '<missing>'} is not <spec.names.plural>.<spec.group> (${plural}.${group})`,
    );
  }
  if (!Array.isArray(versions) || versions.length === 0) {
    problems.push('has no spec.versions');
  }
  return {
    ok: problems.length === 0,
    message: `document ${position} (${describe(object)}) is a valid XRD${problems.length ? `: it ${problems.join('; it ')}` : ''}`,
  };
}

function checkComposition(
  object: KubeObject,
  position: number,
  types: Map<string, Set<string>>,
): Check {
  const apiVersion = asString(field(object, 'spec', 'compositeTypeRef', 'apiVersion'));
  const kind = asString(field(object, 'spec', 'compositeTypeRef', 'kind'));
  const pipeline = field(object, 'spec', 'pipeline');
  const problems: string[] = [];
  if (!apiVersion || !kind || !types.get(kind)?.has(apiVersion)) {
    problems.push(
      `spec.compositeTypeRef ${apiVersion ?? '<missing>'} ${kind ?? '<missing>'} matches no served version of an XRD in the package`,
    );
  }
  if (field(object, 'spec', 'mode') === 'Pipeline') {
    const steps = Array.isArray(pipeline) ? pipeline : [];
    if (steps.length === 0) {
      problems.push('has mode Pipeline but no spec.pipeline steps');
    }
    steps.forEach((step, index) => {
      if (!asString(field(step, 'step')) || !asString(field(step, 'functionRef', 'name'))) {
        problems.push(`spec.pipeline[${index}] needs step and functionRef.name`);
      }
    });
  }
  return {
    ok: problems.length === 0,
    message: `document ${position} (${describe(object)}) is a valid Composition${problems.length ? `: it ${problems.join('; it ')}` : ''}`,
  };
}

/**
 * Check the objects of a package.yaml stream, in stream order, against the
 * rules for the given package kind. Returns one check per rule and object.
 */
export function checkPackageObjects(kind: PackageKind, objects: KubeObject[]): Check[] {
  const checks: Check[] = [];
  const metas = objects.filter(isMetaObject);
  checks.push({
    ok: metas.length === 1,
    message: `package.yaml contains exactly one meta object: found ${metas.length} (${metas.map(describe).join(', ') || 'none'})`,
  });
  const first = objects[0];
  checks.push({
    ok: first !== undefined && isMetaObject(first),
    message: `the meta object comes first in package.yaml: first is ${first ? describe(first) : 'nothing'}`,
  });
  if (metas[0]) {
    checks.push(...checkMeta(kind, metas[0]));
  }

  const others = objects
    .map((object, index) => ({ object, position: index + 1 }))
    .filter(({ object }) => !isMetaObject(object));
  if (kind === 'Function') {
    const seen = new Set<string>();
    for (const { object, position } of others) {
      checks.push(checkCrd(object, position, seen));
    }
    return checks;
  }

  const xrds = others.filter(
    ({ object }) =>
      object.kind === 'CompositeResourceDefinition' &&
      XRD_API_VERSIONS.includes(String(object.apiVersion)),
  );
  const compositions = others.filter(
    ({ object }) => object.kind === 'Composition' && object.apiVersion === COMPOSITION_API_VERSION,
  );
  const types = servedTypes(xrds.map(({ object }) => object));
  for (const { object, position } of others) {
    if (xrds.some((entry) => entry.object === object)) {
      checks.push(checkXrd(object, position));
    } else if (compositions.some((entry) => entry.object === object)) {
      checks.push(checkComposition(object, position, types));
    } else {
      checks.push({
        ok: false,
        message: `document ${position} (${describe(object)}) is an XRD or a Composition: it is ${String(object.apiVersion)} ${String(object.kind)}`,
      });
    }
  }
  checks.push({
    ok: xrds.length > 0 && compositions.length > 0,
    message: `package.yaml contains at least one XRD and one Composition: ${xrds.length} XRD, ${compositions.length} Composition`,
  });
  return checks;
}
