import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { RenderError, wrapError } from './errors.js';
import { getField, getObject, getString, getStringMap, isJsonObject } from './object.js';
import type { JsonObject } from './object.js';
import { parseYamlDocuments } from './yaml.js';

/** A Kubernetes object read from a file, with where it came from for error messages. */
export interface LoadedDocument {
  object: JsonObject;
  /** The file and, for multi-document files, the document number. */
  source: string;
}

/** A Function package manifest, reduced to what selects its runtime. */
export interface FunctionPackage {
  name: string;
  annotations: Record<string, string>;
  source: string;
}

/** A Secret that pipeline step credentials can refer to. */
export interface CredentialSecret {
  name: string;
  namespace: string;
  data: Record<string, Buffer>;
}

const FUNCTION_API_VERSIONS = new Set(['pkg.crossplane.io/v1', 'pkg.crossplane.io/v1beta1']);
const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw wrapError(`cannot read "${file}"`, describeFileError(error));
  }
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return 'no such file or directory';
  }
  if (code === 'EISDIR') {
    return 'is a directory, expected a file';
  }
  return error instanceof Error ? error.message : String(error);
}

function describeDocument(file: string, index: number, count: number): string {
  return count === 1 ? `"${file}"` : `"${file}" (document ${index + 1})`;
}

/**
 * Reads every YAML document of a file, or of the .yaml and .yml files directly
 * inside a directory in name order, as crossplane render does for its
 * FILE_OR_DIR arguments. Each document must be a mapping.
 */
export async function readYamlStream(fileOrDir: string): Promise<LoadedDocument[]> {
  let files: string[];
  try {
    const info = await stat(fileOrDir);
    files = info.isDirectory() ? await listYamlFiles(fileOrDir) : [fileOrDir];
  } catch (error) {
    if (error instanceof RenderError) {
      throw error;
    }
    throw wrapError(`cannot read "${fileOrDir}"`, describeFileError(error));
  }

  const documents: LoadedDocument[] = [];
  for (const file of files) {
    const values = parseYamlDocuments(await readText(file), file);
    values.forEach((value, index) => {
      const source = describeDocument(file, index, values.length);
      if (!isJsonObject(value)) {
        throw new RenderError(`${source} is not a YAML mapping, expected a Kubernetes object`);
      }
      documents.push({ object: value, source });
    });
  }
  return documents;
}

async function listYamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && YAML_EXTENSIONS.has(extname(entry.name)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(dir, name));

  if (files.length === 0) {
    throw new RenderError(`no YAML files (.yaml or .yml) found in directory "${dir}"`);
  }
  return files;
}

/** Reads a file that must contain exactly one YAML mapping. */
export async function readSingleObject(file: string): Promise<LoadedDocument> {
  const values = parseYamlDocuments(await readText(file), file);
  if (values.length !== 1) {
    throw new RenderError(
      `"${file}" contains ${values.length} YAML documents, expected exactly one`,
    );
  }

  const value = values[0];
  if (!isJsonObject(value)) {
    throw new RenderError(`"${file}" is not a YAML mapping, expected a Kubernetes object`);
  }
  return { object: value, source: `"${file}"` };
}

/** Describes an object's type for errors: `apiVersion v1 and kind Secret`. */
export function describeType(apiVersion: string | undefined, kind: string | undefined): string {
  const apiVersionText = apiVersion === undefined ? 'no apiVersion' : `apiVersion ${apiVersion}`;
  const kindText = kind === undefined ? 'no kind' : `kind ${kind}`;
  return `${apiVersionText} and ${kindText}`;
}

/**
 * Returns the non-empty string at a field path, or throws an error naming
 * the source and field.
 *
 * @param parent - The field path of `object` inside the document, such as
 *   spec.pipeline[0], for error messages.
 */
export function requireString(
  object: JsonObject,
  path: string[],
  source: string,
  parent?: string,
): string {
  const field = [parent, ...path].filter((part) => part !== undefined).join('.');
  const value = getField(object, path);
  if (value === undefined || value === null) {
    throw new RenderError(`${source}: ${field} is missing`);
  }
  if (typeof value !== 'string' || value === '') {
    throw new RenderError(`${source}: ${field} must be a non-empty string`);
  }
  return value;
}

/**
 * Loads the composite resource (XR). It is sent to the pipeline exactly as
 * written, so only the fields that identify it are checked.
 */
export async function loadCompositeResource(file: string): Promise<JsonObject> {
  const { object, source } = await readSingleObject(file);
  requireString(object, ['apiVersion'], source);
  requireString(object, ['kind'], source);
  requireString(object, ['metadata', 'name'], source);

  const namespace = getObject(object, ['metadata'])?.['namespace'];
  if (namespace !== undefined && typeof namespace !== 'string') {
    throw new RenderError(`${source}: metadata.namespace must be a string`);
  }
  return object;
}

/** Loads Function package manifests (pkg.crossplane.io/v1 or v1beta1) from a file or directory. */
export async function loadFunctions(fileOrDir: string): Promise<FunctionPackage[]> {
  const documents = await readYamlStream(fileOrDir);
  const functions: FunctionPackage[] = [];
  const seen = new Set<string>();

  for (const { object, source } of documents) {
    const apiVersion = getString(object, ['apiVersion']);
    const kind = getString(object, ['kind']);
    if (apiVersion === undefined || !FUNCTION_API_VERSIONS.has(apiVersion) || kind !== 'Function') {
      throw new RenderError(
        `${source} has ${describeType(apiVersion, kind)}, ` +
          'expected apiVersion pkg.crossplane.io/v1 (or v1beta1) and kind Function',
      );
    }

    const name = requireString(object, ['metadata', 'name'], source);
    if (seen.has(name)) {
      throw new RenderError(`${source}: Function "${name}" is defined more than once`);
    }
    seen.add(name);

    functions.push({
      name,
      annotations: getStringMap(object, ['metadata', 'annotations']),
      source,
    });
  }
  return functions;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Loads Secrets for pipeline step credentials, decoding their base64 data. */
export async function loadCredentialSecrets(fileOrDir: string): Promise<CredentialSecret[]> {
  const documents = await readYamlStream(fileOrDir);

  return documents.map(({ object, source }) => {
    const data: Record<string, Buffer> = {};
    for (const [key, value] of Object.entries(getObject(object, ['data']) ?? {})) {
      if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
        throw new RenderError(`${source}: data.${key} is not a base64-encoded string`);
      }
      data[key] = Buffer.from(value, 'base64');
    }

    return {
      name: getString(object, ['metadata', 'name']) ?? '',
      namespace: getString(object, ['metadata', 'namespace']) ?? '',
      data,
    };
  });
}

/**
 * Builds the initial pipeline context from --context-files (KEY=FILE) and
 * --context-values (KEY=JSON or YAML). A key given as a value wins over the
 * same key given as a file.
 */
export async function loadContext(
  files: ReadonlyArray<[string, string]>,
  values: ReadonlyArray<[string, string]>,
): Promise<JsonObject> {
  const raw = new Map<string, { text: string; source: string }>();

  for (const [key, file] of files) {
    try {
      raw.set(key, { text: await readFile(file, 'utf8'), source: file });
    } catch (error) {
      throw wrapError(
        `cannot read context value for key "${key}" from "${file}"`,
        describeFileError(error),
      );
    }
  }
  for (const [key, text] of values) {
    raw.set(key, { text, source: `--context-values ${key}` });
  }

  const context: JsonObject = {};
  for (const [key, { text, source }] of raw) {
    let documents: unknown[];
    try {
      documents = parseYamlDocuments(text, source);
    } catch (error) {
      throw wrapError(`cannot parse JSON or YAML for context key "${key}"`, error);
    }
    if (documents.length > 1) {
      throw new RenderError(
        `context key "${key}" has ${documents.length} YAML documents, expected one value`,
      );
    }
    context[key] = documents[0] ?? null;
  }
  return context;
}
