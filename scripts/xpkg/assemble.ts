/**
 * Assembles a package file from staged directories.
 *
 *   assemble function --arch amd64 --base DIR --node DIR --app DIR
 *       --package-root package --image REF --out FILE --work DIR
 *       [--layer-cache DIR]
 *   assemble configuration --meta FILE --object FILE... --image REF
 *       --out FILE --work DIR
 *
 * scripts/xpkg/build.sh stages the directories and calls this. The output
 * is what `crossplane xpkg build --embed-runtime-image-tarball` writes (the
 * runtime layers, then one gzip layer holding package.yaml, labelled in the
 * config), plus an OCI layout over the same blobs. SOURCE_DATE_EPOCH sets
 * every file's mtime.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { XPKG_BASE_ANNOTATION, PACKAGE_STREAM_FILE, type RuntimeConfig } from './format.js';
import { type LayerInput, type Platform, packLayout, writeImageLayout } from './image.js';
import {
  type KubeObject,
  type PackageKind,
  checkPackageObjects,
  composePackageStream,
  parseYamlStream,
  readPackageRoot,
} from './package-stream.js';

/** Directory of the application in the image; the Entrypoint's script path is relative to it. */
export const APP_DIRECTORY = '/app';

/**
 * The process settings of the function image. Crossplane's package runtime
 * runs the container as uid and gid 2000 unless a DeploymentRuntimeConfig
 * sets others, and the image uses the same ids so that a plain `docker run`
 * matches. Arguments from the runtime, such as the `--insecure` that
 * `crossplane render` passes, follow the Entrypoint.
 */
export const FUNCTION_RUNTIME: Omit<RuntimeConfig, 'Labels'> = {
  User: '2000:2000',
  ExposedPorts: { '9443/tcp': {} },
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_ENV=production'],
  Entrypoint: ['/usr/local/bin/node', 'dist/main.js'],
  WorkingDir: APP_DIRECTORY,
};

const PLATFORMS: Record<string, Platform> = {
  amd64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
};

function sourceDateEpoch(): number {
  const value = process.env.SOURCE_DATE_EPOCH;
  const epoch = Number(value);
  if (value === undefined || !Number.isInteger(epoch) || epoch < 0) {
    throw new Error(
      `SOURCE_DATE_EPOCH must be set to a non-negative whole number of seconds, got "${value ?? ''}"`,
    );
  }
  return epoch;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`missing required option --${name}`);
  }
  return value;
}

/** Check the objects and write package.yaml into a fresh directory for its layer. */
function stagePackageLayer(kind: PackageKind, objects: KubeObject[], work: string): LayerInput {
  const failures = checkPackageObjects(kind, objects).filter((check) => !check.ok);
  if (failures.length > 0) {
    throw new Error(
      `the ${kind} package is invalid:\n${failures.map((check) => `  ${check.message}`).join('\n')}`,
    );
  }
  const directory = join(work, 'package-layer');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, PACKAGE_STREAM_FILE), composePackageStream(objects), {
    mode: 0o644,
  });
  return {
    directory,
    createdBy: `${PACKAGE_STREAM_FILE} of the ${kind} package`,
    xpkgAnnotation: XPKG_BASE_ANNOTATION,
    normalizeModes: true,
  };
}

async function assembleFunction(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      arch: { type: 'string' },
      base: { type: 'string' },
      node: { type: 'string' },
      app: { type: 'string' },
      'package-root': { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
      'layer-cache': { type: 'string' },
    },
  });
  const arch = required(values, 'arch');
  const platform = PLATFORMS[arch];
  if (!platform) {
    throw new Error(
      `unsupported --arch ${arch}; expected one of ${Object.keys(PLATFORMS).join(', ')}`,
    );
  }
  const work = required(values, 'work');
  const objects = readPackageRoot(required(values, 'package-root'));
  // The layout is written under work/layout, so the package layer is staged beside it.
  const packageLayer = stagePackageLayer('Function', objects, `${work}-package`);

  const image = await writeImageLayout({
    layers: [
      {
        directory: required(values, 'base'),
        createdBy: 'Debian libraries that the Node.js binary links against',
      },
      {
        directory: required(values, 'node'),
        createdBy: 'Node.js binary from the npm registry',
        normalizeModes: true,
      },
      {
        directory: required(values, 'app'),
        createdBy: 'function-remote-eks: dist/ and production node_modules/',
        normalizeModes: true,
      },
      packageLayer,
    ],
    platform,
    runtime: FUNCTION_RUNTIME,
    imageName: required(values, 'image'),
    sourceDateEpoch: sourceDateEpoch(),
    workDirectory: work,
    layerCacheDirectory: values['layer-cache'],
  });
  const out = required(values, 'out');
  packLayout(image.layoutDirectory, out, sourceDateEpoch());
  printSummary(out, image.manifestDigest, image.layers);
}

async function assembleConfiguration(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      meta: { type: 'string' },
      object: { type: 'string', multiple: true },
      image: { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
    },
  });
  const files = [required(values, 'meta'), ...(values.object ?? [])];
  const objects = files.flatMap((file) => parseYamlStream(readFileSync(file, 'utf8'), file));
  const work = required(values, 'work');
  const packageLayer = stagePackageLayer('Configuration', objects, `${work}-package`);

  const image = await writeImageLayout({
    layers: [packageLayer],
    imageName: required(values, 'image'),
    sourceDateEpoch: sourceDateEpoch(),
    workDirectory: work,
  });
  const out = required(values, 'out');
  packLayout(image.layoutDirectory, out, sourceDateEpoch());
  printSummary(out, image.manifestDigest, image.layers);
}

function printSummary(
  out: string,
  manifestDigest: string,
  layers: { digest: string; xpkgAnnotation?: string }[],
): void {
  console.log(`wrote ${out}`);
  console.log(`  OCI manifest ${manifestDigest}`);
  layers.forEach((layer, index) => {
    console.log(
      `  layer ${index + 1} ${layer.digest}${layer.xpkgAnnotation ? ` (io.crossplane.xpkg=${layer.xpkgAnnotation})` : ''}`,
    );
  });
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'function':
      await assembleFunction(rest);
      return;
    case 'configuration':
      await assembleConfiguration(rest);
      return;
    default:
      throw new Error(`unknown command "${command ?? ''}"; expected "function" or "configuration"`);
  }
}

main().catch((error: unknown) => {
  console.error(`assemble: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
