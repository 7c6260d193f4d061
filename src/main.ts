#!/usr/bin/env node
import * as grpc from '@grpc/grpc-js';
import { describeSource, helpText, parseFlags, PROGRAM_NAME, UsageError } from './flags.js';
import type { Options } from './flags.js';
import { runFunction } from './function.js';
import { createLogger, routeGrpcLogs } from './log.js';
import type { Logger } from './log.js';
import { BindError, FunctionServer } from './server.js';
import { CertificateError, loadServerCredentials } from './tls.js';

/**
 * Time in-flight calls get to finish after SIGTERM. Kubernetes waits 30 s by
 * default before SIGKILL, so this leaves room for the rest of the exit.
 */
const SHUTDOWN_DEADLINE_MS = 10_000;

const EXIT_STARTUP_FAILED = 1;
const EXIT_USAGE = 2;

function parseOrExit(): Options {
  try {
    const parsed = parseFlags(process.argv.slice(2), process.env);
    if (parsed.kind === 'help') {
      process.stdout.write(helpText());
      process.exit(0);
    }
    return parsed.options;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `${PROGRAM_NAME}: ${err.message}\nRun '${PROGRAM_NAME} --help' for the list of flags.\n`,
      );
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
}

function serverCredentials(options: Options, logger: Logger): grpc.ServerCredentials {
  if (options.insecure) {
    if (options.tlsServerCertsDirSource !== 'default') {
      logger.warn(
        { tlsServerCertsDir: options.tlsServerCertsDir },
        `--insecure ignores the TLS certificates directory set by ${describeSource('tls-server-certs-dir', options.tlsServerCertsDirSource)}. Clients that use TLS, such as Crossplane in a cluster, cannot connect.`,
      );
    }
    return grpc.ServerCredentials.createInsecure();
  }
  return loadServerCredentials(options.tlsServerCertsDir);
}

function handleSignals(server: FunctionServer, logger: Logger): void {
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn(
        { signal, inFlightCalls: server.inFlightCalls },
        'received a second signal, cancelling in-flight calls',
      );
      server.forceShutdown();
      process.exit(0);
    }
    shuttingDown = true;

    logger.info(
      { signal, inFlightCalls: server.inFlightCalls, deadlineMs: SHUTDOWN_DEADLINE_MS },
      'shutdown started, rejecting new calls and waiting for in-flight calls',
    );
    void server.shutdown(SHUTDOWN_DEADLINE_MS).then((outcome) => {
      if (outcome === 'forced') {
        logger.warn(
          { deadlineMs: SHUTDOWN_DEADLINE_MS },
          'shutdown deadline passed, cancelled the remaining in-flight calls',
        );
      }
      logger.info({ outcome }, 'shutdown finished');
      process.exit(0);
    });
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(): Promise<void> {
  const options = parseOrExit();
  const logger = createLogger(options.debug);
  routeGrpcLogs(logger);

  let credentials: grpc.ServerCredentials;
  try {
    credentials = serverCredentials(options, logger);
  } catch (err) {
    if (err instanceof CertificateError) {
      logger.error(err.message);
      process.exit(EXIT_STARTUP_FAILED);
    }
    throw err;
  }

  const server = new FunctionServer({
    handler: runFunction,
    logger,
    maxMessageBytes: options.maxMessageBytes,
  });

  let address: string;
  try {
    address = await server.listen(options.address, credentials);
  } catch (err) {
    if (err instanceof BindError) {
      logger.error(
        `${err.message}. Check that the port is free and the host is an address of this machine, or choose another with --address.`,
      );
      process.exit(EXIT_STARTUP_FAILED);
    }
    throw err;
  }

  handleSignals(server, logger);
  logger.info(
    {
      address,
      tls: options.insecure ? 'none' : 'mutual',
      maxMessageBytes: options.maxMessageBytes,
    },
    'serving RunFunction',
  );
}

await main();
