import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type DockerArchiveManifest,
  type ImageConfig,
  type OciIndex,
  type OciManifest,
  XPKG_BASE_ANNOTATION,
  blobPath,
} from '../../scripts/xpkg/format.js';
import {
  type PackageImageInput,
  packLayout,
  sha256Bytes,
  writeImageLayout,
} from '../../scripts/xpkg/image.js';
import { type KubeObject, composePackageStream } from '../../scripts/xpkg/package-stream.js';
import { type VerifyOptions, verifyPackageArchive } from '../../scripts/xpkg/verify.js';

const scratch = mkdtempSync(join(tmpdir(), 'xpkg-verify-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const functionMeta: KubeObject = {
  apiVersion: 'meta.pkg.crossplane.io/v1',
  kind: 'Function',
  metadata: { name: 'function-example' },
  spec: { crossplane: { version: '>=v2.0.0-0' }, capabilities: ['composition'] },
};

const inputCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'inputs.example.fn.crossplane.io' },
  spec: {
    group: 'example.fn.crossplane.io',
    names: { kind: 'Input', plural: 'inputs' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object' } },
      },
    ],
  },
};

const configurationMeta: KubeObject = {
  apiVersion: 'meta.pkg.crossplane.io/v1',
  kind: 'Configuration',
  metadata: { name: 'configuration-example' },
  spec: {
    crossplane: { version: '>=v2.0.0-0' },
    dependsOn: [
      {
        apiVersion: 'pkg.crossplane.io/v1',
        kind: 'Function',
        package: 'xpkg.example.org/fn',
        version: '>=v0.1.0',
      },
    ],
  },
};

const xrd: KubeObject = {
  apiVersion: 'apiextensions.crossplane.io/v2',
  kind: 'CompositeResourceDefinition',
  metadata: { name: 'widgets.example.org' },
  spec: {
    group: 'example.org',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [{ name: 'v1', served: true, referenceable: true }],
  },
};

function composition(kind: string): KubeObject {
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: 'widgets' },
    spec: {
      compositeTypeRef: { apiVersion: 'example.org/v1', kind },
      mode: 'Pipeline',
      pipeline: [{ step: 'compose', functionRef: { name: 'function-example' } }],
    },
  };
}

/** Minimal ELF header: 64-bit, little-endian, with the given e_machine. */
function fakeElf(machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = 2;
  header[5] = 1;
  header.writeUInt16LE(machine, 18);
  return header;
}

interface Fixture {
  /** package.yaml text; defaults to the Function meta and the input CRD. */
  packageYaml?: string;
  elfMachine?: number;
  architecture?: string;
  user?: string;
  ports?: string[];
  /** Build a Configuration package: no runtime layer and no platform. */
  configuration?: boolean;
  /** Change the layout directory before it is packed. */
  mutate?: (layout: string) => void;
}

let fixtureCount = 0;

/** Build a package archive with real tar and gzip from tiny staged directories. */
async function buildArchive(fixture: Fixture): Promise<Buffer> {
  const root = join(scratch, `fixture-${fixtureCount++}`);
  const packageDirectory = join(root, 'package');
  mkdirSync(packageDirectory, { recursive: true });
  const packageYaml =
    fixture.packageYaml ??
    (fixture.configuration
      ? composePackageStream([configurationMeta, xrd, composition('Widget')])
      : composePackageStream([functionMeta, inputCrd]));
  writeFileSync(join(packageDirectory, 'package.yaml'), packageYaml);

  const input: PackageImageInput = {
    layers: [],
    imageName: 'xpkg.example.org/fn:v0.1.0',
    sourceDateEpoch: 1_700_000_000,
    workDirectory: join(root, 'work'),
  };
  if (!fixture.configuration) {
    const runtimeDirectory = join(root, 'runtime');
    mkdirSync(join(runtimeDirectory, 'usr/local/bin'), { recursive: true });
    mkdirSync(join(runtimeDirectory, 'app/dist'), { recursive: true });
    writeFileSync(
      join(runtimeDirectory, 'usr/local/bin/node'),
      fakeElf(fixture.elfMachine ?? 0x3e),
    );
    chmodSync(join(runtimeDirectory, 'usr/local/bin/node'), 0o755);
    writeFileSync(join(runtimeDirectory, 'app/dist/main.js'), 'export {};\n');
    input.layers.push({ directory: runtimeDirectory, createdBy: 'runtime', normalizeModes: true });
    input.platform = { architecture: fixture.architecture ?? 'amd64' };
    input.runtime = {
      User: fixture.user ?? '2000:2000',
      ExposedPorts: Object.fromEntries((fixture.ports ?? ['9443/tcp']).map((port) => [port, {}])),
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      Entrypoint: ['/usr/local/bin/node', 'dist/main.js'],
      WorkingDir: '/app',
    };
  }
  input.layers.push({
    directory: packageDirectory,
    createdBy: 'package',
    xpkgAnnotation: XPKG_BASE_ANNOTATION,
    normalizeModes: true,
  });

  const image = await writeImageLayout(input);
  fixture.mutate?.(image.layoutDirectory);
  const out = join(root, 'package.xpkg');
  packLayout(image.layoutDirectory, out, input.sourceDateEpoch);
  return readFileSync(out);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Replace the image config and update every digest that points at it, so
 * that only the change under test is wrong.
 */
function rewriteConfig(layout: string, change: (config: ImageConfig) => void): void {
  const dockerManifests = readJson<DockerArchiveManifest[]>(join(layout, 'manifest.json'));
  const dockerManifest = dockerManifests[0];
  if (!dockerManifest) throw new Error('fixture has no manifest.json entry');
  const config = readJson<ImageConfig>(join(layout, dockerManifest.Config));
  change(config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Bytes(configBytes);
  writeFileSync(join(layout, blobPath(configDigest)), configBytes);
  dockerManifest.Config = blobPath(configDigest);
  writeFileSync(join(layout, 'manifest.json'), JSON.stringify(dockerManifests));

  const index = readJson<OciIndex>(join(layout, 'index.json'));
  const descriptor = index.manifests[0];
  if (!descriptor) throw new Error('fixture has no index.json entry');
  const manifest = readJson<OciManifest>(join(layout, blobPath(descriptor.digest)));
  manifest.config = { ...manifest.config, digest: configDigest, size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  descriptor.digest = sha256Bytes(manifestBytes);
  descriptor.size = manifestBytes.length;
  writeFileSync(join(layout, blobPath(descriptor.digest)), manifestBytes);
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
}

/** Flip one byte of the first layer blob without renaming it. */
function corruptFirstLayer(layout: string): void {
  const manifest = readJson<DockerArchiveManifest[]>(join(layout, 'manifest.json'))[0];
  const layerPath = manifest?.Layers[0];
  if (!layerPath) throw new Error('fixture has no layers');
  const bytes = readFileSync(join(layout, layerPath));
  const last = bytes.length - 1;
  bytes[last] = (bytes[last] ?? 0) ^ 0xff;
  writeFileSync(join(layout, layerPath), bytes);
}

interface Case {
  name: string;
  reason: string;
  fixture: Fixture;
  options?: Partial<VerifyOptions>;
  /** Part of the message of a check that must fail; undefined when every check must pass. */
  failing?: string;
}

const twoMetas =
  composePackageStream([functionMeta, inputCrd]) +
  `---\n${stringify({ ...functionMeta, metadata: { name: 'second' } })}`;

const cases: Case[] = [
  {
    name: 'valid function package',
    reason: 'the baseline every other row breaks in one way',
    fixture: {},
  },
  {
    name: 'valid configuration package',
    reason: 'a Configuration has only the package layer and no platform',
    fixture: { configuration: true },
    options: { kind: 'Configuration' },
  },
  {
    name: 'layer blob altered',
    reason: 'a blob whose bytes no longer match its digest must be caught',
    fixture: { mutate: corruptFirstLayer },
    failing: 'layer 1 sha256 matches its name',
  },
  {
    name: 'diff id wrong',
    reason: 'docker load and crossplane compare rootfs.diff_ids with the uncompressed layers',
    fixture: {
      mutate: (layout) =>
        rewriteConfig(layout, (config) => {
          config.rootfs.diff_ids[0] = `sha256:${'0'.repeat(64)}`;
        }),
    },
    failing: 'layer 1 uncompressed sha256 matches rootfs.diff_ids[0]',
  },
  {
    name: 'package label missing',
    reason: 'without the io.crossplane.xpkg label Crossplane cannot find the package layer',
    fixture: {
      mutate: (layout) =>
        rewriteConfig(layout, (config) => {
          config.config.Labels = {};
        }),
    },
    failing: 'config has exactly one label io.crossplane.xpkg',
  },
  {
    name: 'label names unknown layer',
    reason: 'a label must point at a layer digest of this image',
    fixture: {
      mutate: (layout) =>
        rewriteConfig(layout, (config) => {
          config.config.Labels = { [`io.crossplane.xpkg:sha256:${'1'.repeat(64)}`]: 'base' };
        }),
    },
    failing: 'names a layer of the image',
  },
  {
    name: 'second meta object',
    reason: 'a package has exactly one meta object',
    fixture: { packageYaml: twoMetas },
    failing: 'package.yaml contains exactly one meta object',
  },
  {
    name: 'meta object not first',
    reason: 'crossplane xpkg build writes the meta object first',
    fixture: { packageYaml: `---\n${stringify(inputCrd)}---\n${stringify(functionMeta)}` },
    failing: 'the meta object comes first',
  },
  {
    name: 'non-CRD object in function',
    reason: 'a Function package may add only CRDs',
    fixture: {
      packageYaml: composePackageStream([
        functionMeta,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' } },
      ]),
    },
    failing: 'is a valid CRD',
  },
  {
    name: 'duplicate CRD name',
    reason: 'a placeholder CRD left beside the real one would repeat its name',
    fixture: { packageYaml: composePackageStream([functionMeta, inputCrd, inputCrd]) },
    failing: 'repeats a CRD name',
  },
  {
    name: 'root user',
    reason: 'Crossplane runs functions with runAsNonRoot',
    fixture: { user: '0' },
    failing: 'config User is a numeric non-root uid',
  },
  {
    name: 'function port not exposed',
    reason: 'Crossplane dials functions on 9443/tcp',
    fixture: { ports: ['8080/tcp'] },
    failing: 'config ExposedPorts includes 9443/tcp',
  },
  {
    name: 'binary for other architecture',
    reason: 'an amd64 binary in an arm64 image fails only at run time',
    fixture: { architecture: 'arm64', elfMachine: 0x3e },
    failing: 'entrypoint program is an ELF binary for arm64',
  },
  {
    name: 'OCI layout missing',
    reason: 'this build promises OCI readers the same file',
    fixture: {
      mutate: (layout) => {
        rmSync(join(layout, 'index.json'));
        rmSync(join(layout, 'oci-layout'));
      },
    },
    failing: 'oci-layout declares imageLayoutVersion 1.0.0',
  },
  {
    name: 'docker-only archive allowed',
    reason: 'crossplane xpkg build writes manifest.json only, which --docker-only accepts',
    fixture: {
      mutate: (layout) => {
        rmSync(join(layout, 'index.json'));
        rmSync(join(layout, 'oci-layout'));
      },
    },
    options: { requireOciLayout: false },
  },
  {
    name: 'composition for unknown type',
    reason: 'a Composition must compose a type that an XRD in the package serves',
    fixture: {
      configuration: true,
      packageYaml: composePackageStream([configurationMeta, xrd, composition('Gadget')]),
    },
    options: { kind: 'Configuration' },
    failing: 'matches no served version of an XRD',
  },
];

describe('verifyPackageArchive', () => {
  it.each(cases)('$name', async ({ reason, fixture, options, failing }) => {
    const archive = await buildArchive(fixture);
    const report = verifyPackageArchive(archive, {
      kind: 'Function',
      requireOciLayout: true,
      ...options,
    });
    const failures = report.checks.filter((check) => !check.ok).map((check) => check.message);

    if (failing === undefined) {
      expect(failures, reason).toEqual([]);
    } else {
      expect(
        failures.some((message) => message.includes(failing)),
        `${reason}: expected a failing check containing "${failing}", got ${JSON.stringify(failures)}`,
      ).toBe(true);
    }
  });

  it('rejects non-tar bytes', () => {
    const report = verifyPackageArchive(Buffer.from('not a tar archive'.padEnd(1024, 'x')), {
      kind: 'Function',
      requireOciLayout: true,
    });

    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]?.ok).toBe(false);
    expect(report.checks[0]?.message).toContain('file is a tar archive');
  });
});
