/**
 * Names and shapes of the files inside a Crossplane package (.xpkg) archive.
 *
 * A package file is an image tarball that two kinds of readers accept:
 * docker-load-style readers (go-containerregistry's tarball package, which
 * `crossplane xpkg push` uses, `docker load`, skopeo's docker-archive) read
 * `manifest.json`, and OCI readers (umoci, skopeo's oci-archive) read
 * `oci-layout` and `index.json`. Both point at the same blobs under
 * `blobs/sha256/`, as `docker save` lays them out since Docker 25.
 */

/** Prefix of the image config label that marks a package layer. */
export const XPKG_ANNOTATION_KEY = 'io.crossplane.xpkg';

/** Label and annotation value of the layer holding package.yaml. */
export const XPKG_BASE_ANNOTATION = 'base';

/** Label and annotation value of the optional examples layer. */
export const XPKG_EXAMPLES_ANNOTATION = 'upbound';

/** File in the base layer that contains the package's YAML stream. */
export const PACKAGE_STREAM_FILE = 'package.yaml';

export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_TYPE_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Annotation that names an image in an OCI index; umoci selects images by it. */
export const OCI_REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Annotation that containerd's importer reads for the full image name. */
export const CONTAINERD_IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

/** Build the image config label key that marks the layer with the given digest. */
export function xpkgLabelKey(layerDigest: string): string {
  return `${XPKG_ANNOTATION_KEY}:${layerDigest}`;
}

/** Path of a blob inside the archive, for a digest such as `sha256:ab12…`. */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** The OCI image manifest. */
export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The OCI image index (`index.json`). */
export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

/** One image in docker-load's `manifest.json`, which is a list of them. */
export interface DockerArchiveManifest {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** The part of the image config (`config` key) that a runtime reads. */
export interface RuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

/** The OCI image config. */
export interface ImageConfig {
  architecture: string;
  variant?: string;
  os: string;
  config: RuntimeConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created_by?: string; comment?: string; empty_layer?: boolean }[];
}

/** ELF `e_machine` values of the architectures a function image is built for. */
export const ELF_MACHINE_BY_ARCHITECTURE: Record<string, number> = {
  amd64: 0x3e,
  arm64: 0xb7,
};
