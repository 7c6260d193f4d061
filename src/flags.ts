import { parseArgs } from 'node:util';

/** Name used in help and error output. */
export const PROGRAM_NAME = 'function-remote-eks';

export const DEFAULT_ADDRESS = '0.0.0.0:9443';

/** Directory in which Crossplane mounts the function's TLS Secret in the function pod. */
export const DEFAULT_TLS_SERVER_CERTS_DIR = '/tls/server';

/** grpc-js's default receive limit, and grpc-go's, which Crossplane uses unchanged. */
export const DEFAULT_MAX_RECV_MESSAGE_MIB = 4;

/** grpc-js stores message limits as signed 32-bit byte counts. */
const MAX_MESSAGE_MIB = 2047;

const MIB = 1024 * 1024;

/** One command line flag: the parser, the environment lookup and the help text read it. */
interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder for the value in the help text. */
  readonly valueName?: string;
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  readonly defaultValue?: string;
  readonly description: string;
}

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'address',
    type: 'string',
    valueName: 'host:port',
    defaultValue: DEFAULT_ADDRESS,
    description: 'Address to serve gRPC on. Port 0 picks a free port.',
  },
  {
    name: 'insecure',
    type: 'boolean',
    description: 'Serve plaintext gRPC without TLS. For local development and crossplane render.',
  },
  {
    name: 'tls-server-certs-dir',
    type: 'string',
    valueName: 'dir',
    env: 'TLS_SERVER_CERTS_DIR',
    defaultValue: DEFAULT_TLS_SERVER_CERTS_DIR,
    description:
      'Directory containing tls.crt, tls.key and ca.crt. Clients must present a certificate signed by ca.crt.',
  },
  {
    name: 'max-recv-message-size',
    type: 'string',
    valueName: 'MiB',
    env: 'MAX_RECV_MESSAGE_SIZE',
    defaultValue: String(DEFAULT_MAX_RECV_MESSAGE_MIB),
    description: `Maximum size of a request, and of a response, in MiB (1 to ${MAX_MESSAGE_MIB}).`,
  },
  {
    name: 'debug',
    short: 'd',
    type: 'boolean',
    description: 'Log at debug level, including one line per RunFunction call.',
  },
  { name: 'help', short: 'h', type: 'boolean', description: 'Print this help and exit.' },
];

/** Origin of a setting's value, so that messages can name the flag or variable to change. */
export type ValueSource = 'flag' | 'env' | 'default';

export interface Options {
  address: string;
  insecure: boolean;
  debug: boolean;
  tlsServerCertsDir: string;
  tlsServerCertsDirSource: ValueSource;
  /** Receive and send limit in bytes. */
  maxMessageBytes: number;
}

export type ParseResult = { kind: 'help' } | { kind: 'run'; options: Options };

/** Invalid command line or environment. The entry point prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses the command line, falling back to environment variables and then defaults.
 *
 * @throws UsageError for an unknown flag, a missing value or an invalid value.
 */
export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        FLAGS.map((flag) => [
          flag.name,
          flag.short ? { type: flag.type, short: flag.short } : { type: flag.type },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    // node:util's messages name the offending flag or argument, so they are
    // passed on as they are.
    if (
      err instanceof TypeError &&
      String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')
    ) {
      throw new UsageError(err.message);
    }
    throw err;
  }

  if (values.help === true) {
    return { kind: 'help' };
  }

  const certsDir = resolveString(values, env, 'tls-server-certs-dir');
  const maxMessage = resolveString(values, env, 'max-recv-message-size');

  return {
    kind: 'run',
    options: {
      address: validateAddress(resolveString(values, env, 'address').value),
      insecure: values.insecure === true,
      debug: values.debug === true,
      tlsServerCertsDir: certsDir.value,
      tlsServerCertsDirSource: certsDir.source,
      maxMessageBytes:
        parseMiB(maxMessage.value, describeSource('max-recv-message-size', maxMessage.source)) *
        MIB,
    },
  };
}

/** Renders the --help text from the flag table. */
export function helpText(): string {
  const rows = FLAGS.map((flag) => {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    const value = flag.valueName ? ` <${flag.valueName}>` : '';
    const notes: string[] = [];
    if (flag.env) {
      notes.push(`env ${flag.env}`);
    }
    if (flag.defaultValue) {
      notes.push(`default ${flag.defaultValue}`);
    }
    const suffix = notes.length > 0 ? ` (${notes.join(', ')})` : '';
    return `  ${short}--${flag.name}${value}\n        ${flag.description}${suffix}`;
  });

  return [
    `Usage: ${PROGRAM_NAME} [flags]`,
    '',
    'Serves the function-remote-eks Crossplane composition function over gRPC.',
    'Without --insecure it requires mutual TLS and exits if the certificates are missing.',
    '',
    'Flags:',
    ...rows,
    '',
  ].join('\n');
}

function findFlag(name: string): FlagSpec {
  const flag = FLAGS.find((candidate) => candidate.name === name);
  if (!flag) {
    throw new Error(`flag --${name} is not in the flag table`);
  }
  return flag;
}

/** Picks the flag's value, else its environment variable (unless empty), else its default. */
function resolveString(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  name: string,
): { value: string; source: ValueSource } {
  const flag = findFlag(name);
  const fromFlag = values[name];
  if (typeof fromFlag === 'string') {
    if (fromFlag.trim() === '') {
      throw new UsageError(`invalid value "" for --${name}: the value must not be empty`);
    }
    return { value: fromFlag, source: 'flag' };
  }

  // An empty variable counts as unset, the way a Deployment's `value: ""` is meant.
  const fromEnv = flag.env ? env[flag.env] : undefined;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { value: fromEnv, source: 'env' };
  }

  if (flag.defaultValue === undefined) {
    throw new Error(`flag --${name} has no default`);
  }
  return { value: flag.defaultValue, source: 'default' };
}

/** Names the flag or environment variable a value came from, for error messages. */
export function describeSource(name: string, source: ValueSource): string {
  const flag = findFlag(name);
  if (source === 'env' && flag.env) {
    return `environment variable ${flag.env}`;
  }
  return `--${name}`;
}

function parseMiB(raw: string, origin: string): number {
  const trimmed = raw.trim();
  const mib = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(mib) || mib < 1 || mib > MAX_MESSAGE_MIB) {
    throw new UsageError(
      `invalid value "${raw}" for ${origin}: expected a whole number of MiB from 1 to ${MAX_MESSAGE_MIB}`,
    );
  }
  return mib;
}

/**
 * Checks that the address is host:port or a unix: socket path.
 *
 * grpc-js would otherwise bind port 443 when the port is missing, and resolve
 * an empty host through DNS.
 */
function validateAddress(address: string): string {
  if (address.startsWith('unix:')) {
    return address;
  }

  const match = /^(.+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port > 65535) {
    throw new UsageError(
      `invalid value "${address}" for --address: expected host:port with a port from 0 to 65535, for example ${DEFAULT_ADDRESS}`,
    );
  }
  return address;
}
