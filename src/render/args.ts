import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** The parsed command line of the render command. */
export interface RenderArguments {
  compositeResource: string;
  composition: string;
  functions: string;
  observedResources?: string;
  requiredResources?: string;
  extraResources?: string;
  functionCredentials?: string;
  includeFunctionResults: boolean;
  includeFullXR: boolean;
  includeContext: boolean;
  contextFiles: [string, string][];
  contextValues: [string, string][];
  functionAnnotations: [string, string][];
  /** --function-address overrides, by Function name. */
  functionAddresses: Map<string, string>;
  /** The --timeout value as given, and in milliseconds. */
  timeout: { text: string; milliseconds: number };
  help: boolean;
}

/** A command line that cannot be parsed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_TIMEOUT = '1m';

// crossplane render options this command does not implement, so that they
// get a clearer message than "unknown option".
const UNSUPPORTED_OPTIONS = new Map([
  ['--xrd', 'defaulting from an XRD schema'],
  ['--required-schemas', 'OpenAPI schemas for required schema requests'],
  ['-s', 'OpenAPI schemas for required schema requests'],
]);

const OPTIONS = {
  'observed-resources': { type: 'string', short: 'o' },
  'required-resources': { type: 'string', short: 'e' },
  'extra-resources': { type: 'string' },
  'function-credentials': { type: 'string' },
  'include-function-results': { type: 'boolean', short: 'r', default: false },
  'include-full-xr': { type: 'boolean', short: 'x', default: false },
  'include-context': { type: 'boolean', short: 'c', default: false },
  'context-files': { type: 'string', multiple: true, default: [] as string[] },
  'context-values': { type: 'string', multiple: true, default: [] as string[] },
  'function-annotations': { type: 'string', short: 'a', multiple: true, default: [] as string[] },
  'function-address': { type: 'string', multiple: true, default: [] as string[] },
  timeout: { type: 'string', default: DEFAULT_TIMEOUT },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export const HELP_TEXT = `Usage: render <xr.yaml> <composition.yaml> <functions.yaml> [flags]

Render a composite resource (XR) the way \`crossplane render\` (Crossplane 2.2)
does: run the Composition's Function pipeline against running Functions over
gRPC, and print the XR and the composed resources it produces as YAML. It
does not talk to a Kubernetes cluster. The Composition must use
spec.mode: Pipeline.

Functions run by Docker (the default runtime of crossplane render) are not
supported. Start each Function yourself, in plaintext, for example
  node dist/main.js --insecure --address localhost:9443
and annotate its Function manifest with
  render.crossplane.io/runtime: Development
  render.crossplane.io/runtime-development-target: <host:port>  (default localhost:9443)
or point --function-address at it.

Arguments:
  <xr.yaml>                 YAML file with the composite resource (XR) to render.
  <composition.yaml>        YAML file with the Composition to render the XR with.
  <functions.yaml>          YAML file, or directory of .yaml/.yml files, with the
                            Function manifests the pipeline uses.

Flags:
  -o, --observed-resources=PATH  YAML file or directory with the observed state of
                                 composed resources, each annotated with
                                 crossplane.io/composition-resource-name.
  -e, --required-resources=PATH  YAML file or directory with the resources that
                                 functions can require.
      --extra-resources=PATH     Same as --required-resources (deprecated).
      --function-credentials=PATH  YAML file or directory with the Secrets that
                                 pipeline step credentials refer to.
  -r, --include-function-results  Print the functions' Normal and Warning results
                                 as documents of kind Result.
  -x, --include-full-xr          Print the input XR's metadata and spec with the
                                 rendered XR.
  -c, --include-context          Print the context the last step returned as a
                                 document of kind Context.
      --context-files=KEY=FILE   Set a context key to the JSON or YAML in FILE.
                                 Repeatable.
      --context-values=KEY=VALUE  Set a context key to a JSON or YAML value.
                                 Repeatable. Wins over --context-files.
  -a, --function-annotations=KEY=VALUE  Set an annotation on every Function, for
                                 example render.crossplane.io/runtime=Development.
                                 Repeatable.
      --function-address=NAME=HOST:PORT  Dial the Function named NAME at HOST:PORT
                                 in plaintext, whatever its annotations say.
                                 Repeatable. Not a crossplane render flag: it lets
                                 scripts and tests use a Function on any port.
      --timeout=DURATION         How long the whole render may take, as a Go
                                 duration such as 30s or 2m. Default ${DEFAULT_TIMEOUT}.
  -h, --help                     Show this help.
`;

/**
 * Parses the render command line.
 *
 * @throws UsageError for unknown flags, a wrong number of arguments, or a flag
 *   value of the wrong form.
 */
export function parseRenderArguments(argv: readonly string[]): RenderArguments {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, argv));
  }

  const { values, positionals } = parsed;
  const timeout = values.timeout;
  const base = {
    includeFunctionResults: values['include-function-results'],
    includeFullXR: values['include-full-xr'],
    includeContext: values['include-context'],
    contextFiles: values['context-files'].map((entry) =>
      splitPair(entry, '--context-files', 'KEY=FILE'),
    ),
    contextValues: values['context-values'].map((entry) =>
      splitPair(entry, '--context-values', 'KEY=VALUE'),
    ),
    functionAnnotations: values['function-annotations'].map((entry) =>
      splitPair(entry, '--function-annotations', 'KEY=VALUE'),
    ),
    functionAddresses: parseAddresses(values['function-address']),
    timeout: { text: timeout, milliseconds: parseTimeout(timeout) },
    help: values.help,
  };

  if (values.help) {
    return { ...base, compositeResource: '', composition: '', functions: '' };
  }

  if (positionals.length !== 3) {
    throw new UsageError(
      `expected 3 arguments <xr.yaml> <composition.yaml> <functions.yaml>, got ${positionals.length}`,
    );
  }
  const [compositeResource, composition, functions] = positionals as [string, string, string];

  return {
    ...base,
    compositeResource,
    composition,
    functions,
    observedResources: values['observed-resources'],
    requiredResources: values['required-resources'],
    extraResources: values['extra-resources'],
    functionCredentials: values['function-credentials'],
  };
}

function describeParseError(error: unknown, argv: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  for (const [option, feature] of UNSUPPORTED_OPTIONS) {
    if (argv.some((arg) => arg === option || arg.startsWith(`${option}=`))) {
      return `${option} is a crossplane render flag that this render command does not support (${feature})`;
    }
  }
  return message;
}

function splitPair(entry: string, flag: string, form: string): [string, string] {
  const separator = entry.indexOf('=');
  if (separator <= 0) {
    throw new UsageError(`${flag} value "${entry}" is invalid, expected ${form}`);
  }
  return [entry.slice(0, separator), entry.slice(separator + 1)];
}

function parseAddresses(entries: readonly string[]): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const entry of entries) {
    const [name, address] = splitPair(entry, '--function-address', 'NAME=HOST:PORT');
    if (address === '') {
      throw new UsageError(`--function-address value "${entry}" has no address after "="`);
    }
    addresses.set(name, address);
  }
  return addresses;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go duration such as 1m, 90s or 1h30m, the format of crossplane
 * render's --timeout.
 *
 * @returns The duration in milliseconds.
 * @throws UsageError unless the text is a positive Go duration.
 */
export function parseTimeout(text: string): number {
  let milliseconds = 0;
  DURATION_PART.lastIndex = 0;

  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(text);
    if (match === null || match.index !== start) {
      milliseconds = Number.NaN;
      break;
    }
    milliseconds += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
  }

  if (text === '' || !(milliseconds > 0)) {
    throw new UsageError(
      `--timeout value "${text}" is invalid, expected a positive duration such as 30s, 2m or 1h30m`,
    );
  }
  return milliseconds;
}
