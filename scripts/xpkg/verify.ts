/**
 * Checks a package file (.xpkg) from its bytes alone: both manifests, the
 * config, every blob digest and layer diff id, the io.crossplane.xpkg label,
 * the package.yaml stream, and for Function packages the runtime settings
 * that Crossplane and `crossplane render` rely on.
 */
import { gunzipSync } from 'node:zlib';
import {
  type DockerArchiveManifest,
  ELF_MACHINE_BY_ARCHITECTURE,
  type ImageConfig,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  type OciIndex,
  type OciManifest,
  PACKAGE_STREAM_FILE,
  XPKG_ANNOTATION_KEY,
  XPKG_BASE_ANNOTATION,
  blobPath,
} from './format.js';
import { sha256Bytes } from './image.js';
import {
  type Check,
  type KubeObject,
  type PackageKind,
  checkPackageObjects,
  parseYamlStream,
} from './package-stream.js';
import { type TarEntry, normalizeMemberName, readTar } from './tar.js';

/** The port Crossplane dials a function on. */
export const FUNCTION_PORT = '9443/tcp';

/** Expectations about the archive under test. */
export interface VerifyOptions {
  kind: PackageKind;
  /**
   * Require the OCI layout (oci-layout, index.json) besides manifest.json.
   * `crossplane xpkg build` writes manifest.json only.
   */
  requireOciLayout: boolean;
}

/** One layer as found in the archive. */
export interface VerifiedLayer {
  digest: string;
  xpkgAnnotation?: string;
  entries: TarEntry[];
}

/** Every check made, plus what later cross-file checks need. */
export interface VerifyReport {
  checks: Check[];
  layers: VerifiedLayer[];
  config?: ImageConfig;
  repoTags: string[];
  packageObjects: KubeObject[];
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * Derive the digest that a member's name promises: `blobs/sha256/<hex>` as
 * `docker save` and this build write, or `sha256:<hex>` and `<hex>.tar.gz`
 * as go-containerregistry's tarball writer does.
 */
export function digestFromMemberName(name: string): string | undefined {
  const match =
    /^(?:blobs\/sha256\/([0-9a-f]{64})|sha256:([0-9a-f]{64})|([0-9a-f]{64})\.tar\.gz)$/.exec(name);
  const hex = match?.[1] ?? match?.[2] ?? match?.[3];
  return hex ? `sha256:${hex}` : undefined;
}

function parseJson<T>(bytes: Buffer | undefined): T | undefined {
  if (!bytes) {
    return undefined;
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Describe a computed digest after a message, only when it differs from the expected one. */
function mismatch(expected: string | undefined, computed: string | undefined): string {
  return expected === computed ? '' : ` (computed ${computed ?? 'nothing: the blob is missing'})`;
}

class CheckList {
  readonly checks: Check[] = [];

  add(ok: boolean, message: string): boolean {
    this.checks.push({ ok, message });
    return ok;
  }
}

/** Apply layers in order into one path → entry map, honouring whiteout files. */
function flattenLayers(layers: VerifiedLayer[]): Map<string, TarEntry> {
  const files = new Map<string, TarEntry>();
  for (const layer of layers) {
    for (const entry of layer.entries) {
      const slash = entry.name.lastIndexOf('/');
      const base = entry.name.slice(slash + 1);
      if (base.startsWith('.wh.')) {
        const removed = `${entry.name.slice(0, slash + 1)}${base.slice('.wh.'.length)}`;
        for (const path of [...files.keys()]) {
          if (path === removed || path.startsWith(`${removed}/`)) {
            files.delete(path);
          }
        }
        continue;
      }
      files.set(entry.name, entry);
    }
  }
  return files;
}

/** Resolve an absolute path through symbolic links of the whole path, ten hops at most. */
function resolvePath(files: Map<string, TarEntry>, absolutePath: string): TarEntry | undefined {
  let path = normalizeMemberName(absolutePath);
  for (let hop = 0; hop < 10; hop++) {
    const entry = files.get(path);
    if (!entry || entry.type !== 'symlink') {
      return entry;
    }
    const directory = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const target = entry.linkname.startsWith('/')
      ? entry.linkname
      : `${directory}/${entry.linkname}`;
    const parts: string[] = [];
    for (const part of target.split('/')) {
      if (part === '..') parts.pop();
      else if (part && part !== '.') parts.push(part);
    }
    path = parts.join('/');
  }
  return undefined;
}

function findProgram(
  files: Map<string, TarEntry>,
  program: string,
  env: string[],
): { path: string; entry?: TarEntry } {
  if (program.includes('/')) {
    return { path: program, entry: resolvePath(files, program) };
  }
  const pathVariable =
    env.find((variable) => variable.startsWith('PATH='))?.slice('PATH='.length) ?? '';
  for (const directory of pathVariable.split(':').filter(Boolean)) {
    const candidate = `${directory}/${program}`;
    const entry = resolvePath(files, candidate);
    if (entry) {
      return { path: candidate, entry };
    }
  }
  return { path: program };
}

/** Read the ELF e_machine of an executable, or return undefined when it is not ELF. */
function elfMachine(data: Buffer): number | undefined {
  if (data.length < 20 || data.readUInt32BE(0) !== 0x7f454c46) {
    return undefined;
  }
  // e_ident[EI_DATA] is 1 for little-endian, which both architectures use.
  return data[5] === 1 ? data.readUInt16LE(18) : data.readUInt16BE(18);
}

function checkRuntime(list: CheckList, config: ImageConfig, layers: VerifiedLayer[]): void {
  const runtime = config.config ?? {};
  const expectedMachine = ELF_MACHINE_BY_ARCHITECTURE[config.architecture];
  list.add(
    config.os === 'linux' && expectedMachine !== undefined,
    `config platform is linux/amd64 or linux/arm64: ${config.os}/${config.architecture}${config.variant ? `/${config.variant}` : ''}`,
  );

  const user = runtime.User ?? '';
  const uid = /^(\d+)(?::\d+)?$/.exec(user)?.[1];
  list.add(
    uid !== undefined && uid !== '0',
    `config User is a numeric non-root uid, as Kubernetes runAsNonRoot needs: "${user}"`,
  );

  const ports = Object.keys(runtime.ExposedPorts ?? {});
  list.add(
    ports.includes(FUNCTION_PORT),
    `config ExposedPorts includes ${FUNCTION_PORT}: [${ports.join(', ')}]`,
  );

  const env = runtime.Env ?? [];
  list.add(
    env.some((variable) => variable.startsWith('PATH=')),
    `config Env sets PATH: [${env.join(', ')}]`,
  );

  const workingDirectory = runtime.WorkingDir ?? '';
  list.add(
    workingDirectory.startsWith('/'),
    `config WorkingDir is an absolute path: "${workingDirectory}"`,
  );

  const entrypoint = runtime.Entrypoint ?? [];
  const [program, script] = entrypoint;
  list.add(
    program !== undefined && script !== undefined,
    `config Entrypoint names the interpreter and the server script, so that arguments such as --insecure reach the server: ${JSON.stringify(entrypoint)}`,
  );
  list.add(
    (runtime.Cmd ?? []).length === 0,
    `config Cmd is empty, so that arguments from the runtime follow the Entrypoint directly: ${JSON.stringify(runtime.Cmd ?? [])}`,
  );
  if (program === undefined || script === undefined) {
    return;
  }

  const files = flattenLayers(layers);
  const found = findProgram(files, program, env);
  const executable = found.entry?.type === 'file' && (found.entry.mode & 0o111) !== 0;
  list.add(executable, `entrypoint program ${found.path} is an executable file in the image`);
  if (executable && found.entry && expectedMachine !== undefined) {
    const machine = elfMachine(found.entry.data);
    list.add(
      machine === expectedMachine,
      `entrypoint program is an ELF binary for ${config.architecture}: e_machine ${machine === undefined ? 'none' : `0x${machine.toString(16)}`}, expected 0x${expectedMachine.toString(16)}`,
    );
  }
  const scriptPath = script.startsWith('/') ? script : `${workingDirectory}/${script}`;
  const scriptEntry = resolvePath(files, scriptPath);
  list.add(scriptEntry?.type === 'file', `entrypoint script ${scriptPath} is a file in the image`);
}

function checkOciLayout(
  list: CheckList,
  members: Map<string, TarEntry>,
  dockerManifest: DockerArchiveManifest,
  configDigest: string | undefined,
  layerDigests: (string | undefined)[],
  required: boolean,
): void {
  const layoutFile = parseJson<{ imageLayoutVersion?: string }>(members.get('oci-layout')?.data);
  const indexFile = members.get('index.json');
  if (!required && !layoutFile && !indexFile) {
    list.add(
      true,
      'archive has no OCI layout (oci-layout, index.json); manifest.json alone describes the image',
    );
    return;
  }
  list.add(
    layoutFile?.imageLayoutVersion === '1.0.0',
    `oci-layout declares imageLayoutVersion 1.0.0: ${JSON.stringify(layoutFile)}`,
  );

  const index = parseJson<OciIndex>(indexFile?.data);
  const descriptors = index?.manifests ?? [];
  const [descriptor] = descriptors;
  if (
    !list.add(
      index?.mediaType === MEDIA_TYPE_OCI_INDEX && descriptors.length === 1,
      `index.json is an OCI index with exactly one manifest: ${descriptors.length} found`,
    ) ||
    !descriptor
  ) {
    return;
  }
  const manifestBytes = members.get(blobPath(descriptor.digest))?.data;
  const manifestDigest = manifestBytes ? sha256Bytes(manifestBytes) : undefined;
  if (
    !list.add(
      manifestDigest === descriptor.digest && manifestBytes?.length === descriptor.size,
      `OCI manifest blob matches its descriptor in index.json: ${descriptor.digest}${mismatch(descriptor.digest, manifestDigest)}`,
    )
  ) {
    return;
  }
  const manifest = parseJson<OciManifest>(manifestBytes);
  list.add(
    manifest?.mediaType === MEDIA_TYPE_OCI_MANIFEST &&
      manifest.config.mediaType === MEDIA_TYPE_OCI_CONFIG,
    `OCI manifest and config descriptors use the OCI media types: ${manifest?.mediaType}, ${manifest?.config.mediaType}`,
  );
  list.add(
    manifest?.config.digest === configDigest,
    `OCI manifest and manifest.json name the same config: ${manifest?.config.digest} and ${configDigest}`,
  );
  const ociLayers = manifest?.layers ?? [];
  list.add(
    ociLayers.length === layerDigests.length &&
      ociLayers.every((layer, i) => layer.digest === layerDigests[i]),
    `OCI manifest and manifest.json list the same layers in the same order: ${ociLayers.length} and ${dockerManifest.Layers.length} layers`,
  );
  ociLayers.forEach((layer, i) => {
    const blob = members.get(blobPath(layer.digest))?.data;
    list.add(
      layer.mediaType === MEDIA_TYPE_OCI_LAYER_GZIP && blob?.length === layer.size,
      `OCI layer ${i + 1} descriptor is ${MEDIA_TYPE_OCI_LAYER_GZIP} with the blob's size: ${layer.mediaType}, ${layer.size} bytes, blob ${blob?.length ?? 'missing'}`,
    );
  });
  const annotated = ociLayers.filter(
    (layer) => layer.annotations?.[XPKG_ANNOTATION_KEY] === XPKG_BASE_ANNOTATION,
  );
  list.add(
    annotated.length === 1,
    `OCI manifest annotates exactly one layer ${XPKG_ANNOTATION_KEY}=${XPKG_BASE_ANNOTATION}: ${annotated.length} found`,
  );
}

function checkLayers(
  list: CheckList,
  members: Map<string, TarEntry>,
  layerPaths: string[],
  diffIds: string[],
): { layers: VerifiedLayer[]; digests: (string | undefined)[] } {
  const layers: VerifiedLayer[] = [];
  const digests: (string | undefined)[] = [];
  list.add(
    layerPaths.length === diffIds.length,
    `manifest.json lists as many layers as the config's rootfs.diff_ids: ${layerPaths.length} and ${diffIds.length}`,
  );
  layerPaths.forEach((path, i) => {
    const blob = members.get(normalizeMemberName(path))?.data;
    const named = digestFromMemberName(normalizeMemberName(path));
    if (!list.add(blob !== undefined, `layer ${i + 1} blob ${path} is in the archive`) || !blob) {
      digests.push(named);
      return;
    }
    const digest = sha256Bytes(blob);
    digests.push(digest);
    list.add(
      digest === named,
      `layer ${i + 1} sha256 matches its name: ${named ?? 'no digest in the name'}${mismatch(named, digest)}`,
    );
    if (!list.add(blob[0] === 0x1f && blob[1] === 0x8b, `layer ${i + 1} is gzip-compressed`)) {
      return;
    }
    let uncompressed: Buffer;
    try {
      uncompressed = gunzipSync(blob);
    } catch (error) {
      list.add(false, `layer ${i + 1} decompresses: ${(error as Error).message}`);
      return;
    }
    const diffId = sha256Bytes(uncompressed);
    list.add(
      diffId === diffIds[i],
      `layer ${i + 1} uncompressed sha256 matches rootfs.diff_ids[${i}]: ${diffIds[i]}${mismatch(diffIds[i], diffId)}`,
    );
    try {
      layers.push({ digest, entries: readTar(uncompressed) });
    } catch (error) {
      list.add(false, `layer ${i + 1} is a valid tar archive: ${(error as Error).message}`);
    }
  });
  return { layers, digests };
}

/** Check the io.crossplane.xpkg labels and mark the layers they name. */
function checkLabels(list: CheckList, config: ImageConfig, layers: VerifiedLayer[]): boolean {
  const labels = config.config?.Labels ?? {};
  const xpkgLabels = Object.entries(labels).filter(([key]) =>
    key.startsWith(`${XPKG_ANNOTATION_KEY}:`),
  );
  for (const [key, value] of xpkgLabels) {
    const digest = key.slice(XPKG_ANNOTATION_KEY.length + 1);
    const layer = layers.find((candidate) => candidate.digest === digest);
    list.add(
      DIGEST_PATTERN.test(digest) && layer !== undefined,
      `label ${key}=${value} names a layer of the image`,
    );
    if (layer) {
      layer.xpkgAnnotation = value;
    }
  }

  const baseLabels = xpkgLabels.filter(([, value]) => value === XPKG_BASE_ANNOTATION);
  return list.add(
    baseLabels.length === 1,
    `config has exactly one label ${XPKG_ANNOTATION_KEY}:<layer digest>=${XPKG_BASE_ANNOTATION}: ${baseLabels.length} found`,
  );
}

/** Check the labelled layer's package.yaml and return its objects. */
function checkPackageLayer(
  list: CheckList,
  config: ImageConfig,
  layers: VerifiedLayer[],
  kind: PackageKind,
): KubeObject[] {
  if (!checkLabels(list, config, layers)) {
    return [];
  }
  const baseLayer = layers.find((layer) => layer.xpkgAnnotation === XPKG_BASE_ANNOTATION);
  if (!baseLayer) {
    return [];
  }

  const names = baseLayer.entries.map((entry) => entry.name);
  const stream = baseLayer.entries.find(
    (entry) => entry.name === PACKAGE_STREAM_FILE && entry.type === 'file',
  );
  list.add(
    stream !== undefined && names.length === 1,
    `labelled layer contains ${PACKAGE_STREAM_FILE} and nothing else: [${names.join(', ')}]`,
  );
  if (!stream) {
    return [];
  }

  let objects: KubeObject[];
  try {
    objects = parseYamlStream(stream.data.toString('utf8'), PACKAGE_STREAM_FILE);
  } catch (error) {
    list.add(false, `${PACKAGE_STREAM_FILE} is a valid YAML stream: ${(error as Error).message}`);
    return [];
  }
  list.add(true, `${PACKAGE_STREAM_FILE} is a valid YAML stream of ${objects.length} documents`);
  for (const check of checkPackageObjects(kind, objects)) {
    list.add(check.ok, check.message);
  }
  return objects;
}

/** Verify one package archive held in memory. */
export function verifyPackageArchive(archive: Buffer, options: VerifyOptions): VerifyReport {
  const list = new CheckList();
  const report: VerifyReport = {
    checks: list.checks,
    layers: [],
    repoTags: [],
    packageObjects: [],
  };

  let entries: TarEntry[];
  try {
    entries = readTar(archive);
  } catch (error) {
    list.add(false, `file is a tar archive: ${(error as Error).message}`);
    return report;
  }
  const members = new Map(
    entries.filter((entry) => entry.type === 'file').map((entry) => [entry.name, entry]),
  );

  const dockerManifests = parseJson<DockerArchiveManifest[]>(members.get('manifest.json')?.data);
  const dockerManifest =
    Array.isArray(dockerManifests) && dockerManifests.length === 1 ? dockerManifests[0] : undefined;
  if (
    !list.add(
      dockerManifest !== undefined &&
        typeof dockerManifest.Config === 'string' &&
        Array.isArray(dockerManifest.Layers),
      `manifest.json lists exactly one image with Config and Layers: ${Array.isArray(dockerManifests) ? dockerManifests.length : 'missing or not a JSON list'}`,
    ) ||
    !dockerManifest
  ) {
    return report;
  }
  report.repoTags = dockerManifest.RepoTags ?? [];

  const configPath = normalizeMemberName(dockerManifest.Config);
  const configBytes = members.get(configPath)?.data;
  const configDigest = configBytes ? sha256Bytes(configBytes) : undefined;
  if (
    !list.add(
      configDigest !== undefined && configDigest === digestFromMemberName(configPath),
      `config blob ${configPath} is present and its sha256 matches its name${mismatch(digestFromMemberName(configPath), configDigest)}`,
    )
  ) {
    return report;
  }
  const config = parseJson<ImageConfig>(configBytes);
  const diffIds = config?.rootfs?.diff_ids;
  if (
    !list.add(
      config !== undefined && Array.isArray(diffIds),
      'config is JSON with rootfs.diff_ids',
    ) ||
    !config ||
    !diffIds
  ) {
    return report;
  }
  report.config = config;

  const { layers, digests } = checkLayers(list, members, dockerManifest.Layers, diffIds);
  report.layers = layers;
  checkOciLayout(list, members, dockerManifest, configDigest, digests, options.requireOciLayout);
  report.packageObjects = checkPackageLayer(list, config, layers, options.kind);

  if (options.kind === 'Function') {
    checkRuntime(list, config, layers);
  } else {
    const unlabelled = layers.filter((layer) => layer.xpkgAnnotation === undefined).length;
    list.add(
      unlabelled === 0,
      `Configuration package has no runtime layers: ${unlabelled} unlabelled layers`,
    );
  }
  return report;
}
