/**
 * Verifies package files and prints one line per check.
 *
 *   verify-cli [--kind function|configuration] [--docker-only] [FILE...]
 *
 * Without files it verifies what `npm run xpkg` builds for the version in
 * package.json, for the architectures in XPKG_ARCHES (default amd64 and
 * arm64). It then checks that the function archives share their package and
 * application layers, and that the Configuration depends on this function.
 * Exits 1 when any check fails.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { XPKG_BASE_ANNOTATION } from './format.js';
import {
  type Check,
  type KubeObject,
  type PackageKind,
  field,
  isMetaObject,
} from './package-stream.js';
import { type VerifyReport, verifyPackageArchive } from './verify.js';

interface FileResult {
  file: string;
  report: VerifyReport;
}

function printChecks(label: string, checks: Check[]): void {
  for (const check of checks) {
    console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${label}: ${check.message}`);
  }
}

function verifyFile(
  file: string,
  kind: PackageKind | undefined,
  requireOciLayout: boolean,
): FileResult {
  let archive: Buffer;
  try {
    archive = readFileSync(file);
  } catch (error) {
    return {
      file,
      report: {
        checks: [{ ok: false, message: `cannot read the file: ${(error as Error).message}` }],
        layers: [],
        repoTags: [],
        packageObjects: [],
      },
    };
  }
  let report = verifyPackageArchive(archive, { kind: kind ?? 'Function', requireOciLayout });
  const meta = report.packageObjects.find(isMetaObject);
  // Without --kind, a file whose meta object is a Configuration is checked as one.
  if (kind === undefined && meta?.kind === 'Configuration') {
    report = verifyPackageArchive(archive, { kind: 'Configuration', requireOciLayout });
  }
  return { file, report };
}

/** Find the digest of the layer that contains a path, for comparing archives. */
function layerHolding(report: VerifyReport, path: string): string | undefined {
  return report.layers.find((layer) => layer.entries.some((entry) => entry.name === path))?.digest;
}

function packageLayer(report: VerifyReport): string | undefined {
  return report.layers.find((layer) => layer.xpkgAnnotation === XPKG_BASE_ANNOTATION)?.digest;
}

/** Parse `vMAJOR.MINOR.PATCH` (leading v optional) into numbers. */
function parseVersion(text: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function crossChecks(
  functions: FileResult[],
  configuration: FileResult | undefined,
  version: string,
): Check[] {
  const checks: Check[] = [];
  const [first, ...others] = functions;
  for (const other of others) {
    if (!first) break;
    const firstPackage = packageLayer(first.report);
    checks.push({
      ok: firstPackage !== undefined && firstPackage === packageLayer(other.report),
      message: `${first.file} and ${other.file} carry the same package.yaml layer: ${firstPackage}`,
    });
    const appFirst = layerHolding(first.report, 'app/dist/main.js');
    checks.push({
      ok: appFirst !== undefined && appFirst === layerHolding(other.report, 'app/dist/main.js'),
      message: `${first.file} and ${other.file} carry the same application layer: ${appFirst}`,
    });
  }

  if (configuration && first) {
    const repository = first.report.repoTags[0]?.replace(/:[^/:]+$/, '');
    const dependencies = field(
      configuration.report.packageObjects.find(isMetaObject),
      'spec',
      'dependsOn',
    );
    const dependency = (Array.isArray(dependencies) ? (dependencies as KubeObject[]) : []).find(
      (candidate) => candidate.kind === 'Function' && candidate.package === repository,
    );
    checks.push({
      ok: dependency !== undefined,
      message: `${configuration.file} depends on the Function package ${repository ?? '<no RepoTags in the function archive>'}`,
    });
    const constraint = typeof dependency?.version === 'string' ? dependency.version : '';
    const minimum = /^>=\s*(\S+)$/.exec(constraint)?.[1];
    const minimumVersion = minimum ? parseVersion(minimum) : undefined;
    const current = parseVersion(version);
    checks.push({
      ok:
        minimumVersion !== undefined &&
        current !== undefined &&
        compareVersions(minimumVersion, current) <= 0,
      message: `the Configuration's Function constraint "${constraint}" admits this build's version v${version}`,
    });
  }
  return checks;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      'docker-only': { type: 'boolean', default: false },
    },
  });
  const kindOption = values.kind;
  if (kindOption !== undefined && kindOption !== 'function' && kindOption !== 'configuration') {
    console.error(`verify: --kind must be function or configuration, got "${kindOption}"`);
    return 2;
  }
  let kind: PackageKind | undefined;
  if (kindOption === 'function') {
    kind = 'Function';
  } else if (kindOption === 'configuration') {
    kind = 'Configuration';
  }
  const requireOciLayout = !values['docker-only'];

  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const checks: Check[] = [];
  const record = (label: string, results: Check[]): void => {
    printChecks(label, results);
    checks.push(...results);
  };

  if (positionals.length > 0) {
    for (const file of positionals) {
      record(file, verifyFile(file, kind, requireOciLayout).report.checks);
    }
  } else {
    const arches = (process.env.XPKG_ARCHES ?? 'amd64 arm64').split(/\s+/).filter(Boolean);
    const functions = arches.map((arch) =>
      verifyFile(`build/function-remote-eks-${version}-${arch}.xpkg`, 'Function', requireOciLayout),
    );
    const configuration = verifyFile(
      `build/configuration-remote-eks-${version}.xpkg`,
      'Configuration',
      requireOciLayout,
    );
    for (const result of [...functions, configuration]) {
      record(result.file, result.report.checks);
    }
    record('across packages', crossChecks(functions, configuration, version));
  }

  const failed = checks.filter((check) => !check.ok).length;
  console.log(`verify: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
