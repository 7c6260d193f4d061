import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { format } from 'node:util';

export type { Logger } from 'pino';

/**
 * Creates the process logger: pino JSON lines with the level in a `severity`
 * field (`INFO`, `DEBUG`, ...), the shape the Crossplane TypeScript SDK 0.7.0
 * emits.
 *
 * Writes synchronously to stdout by default, so a line logged right before
 * process.exit is not lost.
 */
export function createLogger(debug: boolean, destination?: DestinationStream): Logger {
  return pino(
    {
      level: debug ? 'debug' : 'info',
      formatters: {
        level: (label) => ({ severity: label.toUpperCase() }),
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/**
 * Sends grpc-js's own log output, which goes to stderr as plain text by
 * default, through the logger instead. grpc-js still decides what to emit
 * from GRPC_VERBOSITY (default ERROR) and GRPC_TRACE.
 */
export function routeGrpcLogs(logger: Logger): void {
  const grpcLogger = logger.child({ component: 'grpc-js' });
  grpc.setLogger({
    error: (...args: unknown[]) => grpcLogger.error(format(...args)),
    info: (...args: unknown[]) => grpcLogger.info(format(...args)),
    debug: (...args: unknown[]) => grpcLogger.debug(format(...args)),
  });
}

/** Loggable summary of a caught error. */
export interface ErrorFields {
  type: string;
  message: string;
  stack?: string;
}

/**
 * Picks the name, message and stack of a caught error for logging, under an
 * `error` key. pino's serializer for the `err` key also copies every
 * enumerable property, which could carry a manifest or a Secret from the
 * handler into the log.
 */
export function errorFields(err: unknown): ErrorFields {
  if (err instanceof Error) {
    return err.stack === undefined
      ? { type: err.name, message: err.message }
      : { type: err.name, message: err.message, stack: err.stack };
  }
  return { type: typeof err, message: String(err) };
}
