/**
 * Writes a package image: gzip layers from directories, the image config with
 * the io.crossplane.xpkg labels, both manifests, and the archive around them.
 *
 * Layers are made with GNU tar and GNU gzip so that the same inputs give the
 * same bytes. Entries are sorted by name, every mtime is SOURCE_DATE_EPOCH,
 * uid and gid are 0, and atime and ctime are left out. `gzip -n` writes no
 * name or timestamp into the gzip header, and the config has no timestamps.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CONTAINERD_IMAGE_NAME_ANNOTATION,
  type DockerArchiveManifest,
  type ImageConfig,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  OCI_REF_NAME_ANNOTATION,
  type OciIndex,
  type OciManifest,
  type RuntimeConfig,
  XPKG_ANNOTATION_KEY,
  blobPath,
  xpkgLabelKey,
} from './format.js';

/** One layer to build from a directory. */
export interface LayerInput {
  /** Directory whose contents become the layer's root directory. */
  directory: string;
  /** Text for the image history's created_by, shown by `docker history`. */
  createdBy: string;
  /** Value of the io.crossplane.xpkg label and annotation; none for runtime layers. */
  xpkgAnnotation?: string;
  /**
   * Set modes to u+rwX,go+rX,go-w, so that the umask in effect while the
   * directory was staged cannot change the layer. Leave off where modes
   * matter, such as a sticky /tmp.
   */
  normalizeModes?: boolean;
}

/** The platform of a runtime image; packages without a runtime have none. */
export interface Platform {
  architecture: string;
  variant?: string;
}

/** Everything needed to write one package image. */
export interface PackageImageInput {
  layers: LayerInput[];
  platform?: Platform;
  /** Process settings of the runtime image; omitted for Configuration packages. */
  runtime?: Omit<RuntimeConfig, 'Labels'>;
  /** Full image reference with a tag, written to manifest.json's RepoTags and index.json. */
  imageName: string;
  /** Seconds since the Unix epoch, used as every file's mtime. */
  sourceDateEpoch: number;
  /** Scratch directory; it is emptied first. */
  workDirectory: string;
  /** Directory of gzip layers keyed by the sha256 of their tar, reused across builds. */
  layerCacheDirectory?: string;
}

/** A layer as written: digest of the gzip blob and of the tar inside it. */
export interface WrittenLayer {
  digest: string;
  diffId: string;
  size: number;
  xpkgAnnotation?: string;
}

/** Location of a written image layout and the digests it contains. */
export interface WrittenImage {
  layoutDirectory: string;
  manifestDigest: string;
  configDigest: string;
  layers: WrittenLayer[];
}

function run(
  command: string,
  args: string[],
  options: { input?: Buffer; cwd?: string } = {},
): void {
  const result = spawnSync(command, args, {
    input: options.input,
    cwd: options.cwd,
    stdio: ['pipe', 'inherit', 'pipe'],
  });
  if (result.error) {
    throw new Error(`cannot run ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed with exit code ${result.status}: ${result.stderr.toString().trim()}`,
    );
  }
}

/** Compute `sha256:<hex>` of a file without reading it into memory at once. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

export function sha256Bytes(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * List every path under a directory, parents before children, siblings in
 * byte order, without following symbolic links.
 */
export function listTree(root: string): string[] {
  const paths: string[] = [];
  const walk = (relativeDirectory: string): void => {
    const names = readdirSync(join(root, relativeDirectory)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const name of names) {
      const relativePath = relativeDirectory ? `${relativeDirectory}/${name}` : name;
      paths.push(relativePath);
      if (lstatSync(join(root, relativePath)).isDirectory()) {
        walk(relativePath);
      }
    }
  };
  walk('');
  return paths;
}

/** Write a reproducible tar of a directory's contents with GNU tar. */
export function createTar(
  directory: string,
  tarFile: string,
  sourceDateEpoch: number,
  normalizeModes: boolean,
): void {
  const paths = listTree(directory);
  const args = [
    '--create',
    `--file=${tarFile}`,
    `--directory=${directory}`,
    '--no-recursion',
    '--null',
    '--files-from=-',
    '--format=posix',
    // The default extended header name contains the process id.
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${sourceDateEpoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
  ];
  if (normalizeModes) {
    args.push('--mode=u+rwX,go+rX,go-w');
  }
  run('tar', args, { input: Buffer.from(paths.map((path) => `${path}\0`).join('')) });
}

async function writeLayer(
  layer: LayerInput,
  blobsDirectory: string,
  input: PackageImageInput,
  index: number,
): Promise<WrittenLayer> {
  const tarFile = join(input.workDirectory, `layer-${index}.tar`);
  createTar(layer.directory, tarFile, input.sourceDateEpoch, layer.normalizeModes ?? false);
  const diffId = await sha256File(tarFile);

  // gzip output depends only on its input, so a layer compressed once for the
  // same tar can be reused: this keeps warm builds fast.
  const cached = input.layerCacheDirectory
    ? join(input.layerCacheDirectory, `${diffId.slice('sha256:'.length)}.tar.gz`)
    : undefined;
  const gzipFile = `${tarFile}.gz`;
  if (cached && existsSync(cached)) {
    copyFileSync(cached, gzipFile);
    rmSync(tarFile);
  } else {
    // -n leaves the file name and mtime out of the gzip header.
    run('gzip', ['-n', '-f', tarFile]);
    if (cached) {
      mkdirSync(dirname(cached), { recursive: true });
      copyFileSync(gzipFile, `${cached}.tmp`);
      renameSync(`${cached}.tmp`, cached);
    }
  }
  const digest = await sha256File(gzipFile);
  const size = statSync(gzipFile).size;
  renameSync(gzipFile, join(blobsDirectory, digest.slice('sha256:'.length)));
  return { digest, diffId, size, xpkgAnnotation: layer.xpkgAnnotation };
}

function writeBlob(blobsDirectory: string, bytes: Buffer): { digest: string; size: number } {
  const digest = sha256Bytes(bytes);
  writeFileSync(join(blobsDirectory, digest.slice('sha256:'.length)), bytes);
  return { digest, size: bytes.length };
}

function compareStrings(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)));
}

/** Build the image config: process settings first, the xpkg labels, then the layer diff ids. */
function imageConfig(input: PackageImageInput, layers: WrittenLayer[]): ImageConfig {
  const labels: Record<string, string> = {};
  for (const layer of layers) {
    if (layer.xpkgAnnotation) {
      labels[xpkgLabelKey(layer.digest)] = layer.xpkgAnnotation;
    }
  }
  const runtime = input.runtime ?? {};
  const config: RuntimeConfig = {};
  if (runtime.User !== undefined) config.User = runtime.User;
  if (runtime.ExposedPorts !== undefined) config.ExposedPorts = runtime.ExposedPorts;
  if (runtime.Env !== undefined) config.Env = runtime.Env;
  if (runtime.Entrypoint !== undefined) config.Entrypoint = runtime.Entrypoint;
  if (runtime.Cmd !== undefined) config.Cmd = runtime.Cmd;
  if (runtime.WorkingDir !== undefined) config.WorkingDir = runtime.WorkingDir;
  config.Labels = sortedRecord(labels);

  // Like `crossplane xpkg build` for a package without a runtime image, a
  // Configuration's config names no platform.
  const image: ImageConfig = {
    architecture: input.platform?.architecture ?? '',
    ...(input.platform?.variant ? { variant: input.platform.variant } : {}),
    os: input.platform ? 'linux' : '',
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: input.layers.map((layer) => ({ created_by: layer.createdBy })),
  };
  return image;
}

/** Split `registry/repository:tag` into its tag; the reference must carry one. */
export function imageTag(imageName: string): string {
  const lastSlash = imageName.lastIndexOf('/');
  const colon = imageName.indexOf(':', lastSlash + 1);
  if (colon === -1) {
    throw new Error(`image name ${imageName} has no tag; expected <repository>:<tag>`);
  }
  return imageName.slice(colon + 1);
}

/**
 * Write an image as a directory that is both an OCI image layout and a
 * docker-load archive: blobs/sha256/*, oci-layout, index.json, manifest.json.
 */
export async function writeImageLayout(input: PackageImageInput): Promise<WrittenImage> {
  rmSync(input.workDirectory, { recursive: true, force: true });
  const layoutDirectory = join(input.workDirectory, 'layout');
  const blobsDirectory = join(layoutDirectory, 'blobs', 'sha256');
  mkdirSync(blobsDirectory, { recursive: true });

  const layers: WrittenLayer[] = [];
  for (const [index, layer] of input.layers.entries()) {
    layers.push(await writeLayer(layer, blobsDirectory, input, index));
  }

  const config = writeBlob(blobsDirectory, Buffer.from(JSON.stringify(imageConfig(input, layers))));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    config: { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({
      mediaType: MEDIA_TYPE_OCI_LAYER_GZIP,
      digest: layer.digest,
      size: layer.size,
      // `crossplane xpkg push` copies the config labels to these annotations;
      // writing them here lets OCI readers find the package layer directly.
      ...(layer.xpkgAnnotation
        ? { annotations: { [XPKG_ANNOTATION_KEY]: layer.xpkgAnnotation } }
        : {}),
    })),
  };
  const manifestBlob = writeBlob(blobsDirectory, Buffer.from(JSON.stringify(manifest)));

  const index: OciIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_INDEX,
    manifests: [
      {
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        digest: manifestBlob.digest,
        size: manifestBlob.size,
        ...(input.platform
          ? {
              platform: {
                architecture: input.platform.architecture,
                os: 'linux',
                ...(input.platform.variant ? { variant: input.platform.variant } : {}),
              },
            }
          : {}),
        annotations: {
          [CONTAINERD_IMAGE_NAME_ANNOTATION]: input.imageName,
          [OCI_REF_NAME_ANNOTATION]: imageTag(input.imageName),
        },
      },
    ],
  };
  writeFileSync(join(layoutDirectory, 'index.json'), JSON.stringify(index));
  writeFileSync(
    join(layoutDirectory, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );

  const dockerManifest: DockerArchiveManifest[] = [
    {
      Config: blobPath(config.digest),
      RepoTags: [input.imageName],
      Layers: layers.map((layer) => blobPath(layer.digest)),
    },
  ];
  writeFileSync(join(layoutDirectory, 'manifest.json'), JSON.stringify(dockerManifest));

  return {
    layoutDirectory,
    manifestDigest: manifestBlob.digest,
    configDigest: config.digest,
    layers,
  };
}

/** Write the layout directory as the package file, a reproducible tar. */
export function packLayout(
  layoutDirectory: string,
  outFile: string,
  sourceDateEpoch: number,
): void {
  createTar(layoutDirectory, outFile, sourceDateEpoch, true);
}
