// Renders the bundled example through the project's own function server:
// starts `node dist/main.js --insecure` on a free 127.0.0.1 port, runs the
// render CLI on examples/ against it, prints the YAML and always stops the
// server. Run it with `npm run example`, which builds first.
//
// Without arguments it renders the reconcile after ClusterAuth signed in,
// because that is the first one that shows all three wired resources.
// Arguments after `--` go to the render command instead, for example
// `-o examples/observed/3-object-failing.yaml`.
//
// Node globals are imported explicitly so that ESLint's no-undef accepts
// this plain JavaScript file.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

const EXAMPLE = {
  xr: 'examples/xr.yaml',
  composition: 'examples/composition.yaml',
  functions: 'examples/functions.yaml',
  observed: 'examples/observed/2-connected.yaml',
};

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
async function findFreePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return address.port;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts the function server as a child process, collecting its output. */
function spawnServer(port) {
  const child = spawn(
    process.execPath,
    ['dist/main.js', '--insecure', '--address', `${HOST}:${port}`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = { child, port, log: '', exited: false };
  child.stdout.on('data', (chunk) => (server.log += chunk));
  child.stderr.on('data', (chunk) => (server.log += chunk));
  child.once('exit', () => (server.exited = true));
  return server;
}

/** Resolves once the server accepts TCP connections, which is when gRPC calls can start. */
async function waitUntilReady(server) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(`the function server exited before it accepted connections:\n${server.log}`);
    }
    if (await canConnect(server.port)) {
      return;
    }
    await sleep(50);
  }
  throw new Error(
    `the function server did not accept connections on ${HOST}:${server.port} ` +
      `within ${STARTUP_TIMEOUT_MS} ms:\n${server.log}`,
  );
}

/** Stops the server with SIGTERM, and SIGKILL if it has not exited after a grace period. */
async function stopServer(server) {
  if (server.exited) {
    return;
  }
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Returns the names of the Functions in the example's functions file. */
function exampleFunctionNames() {
  const text = readFileSync(new URL(`../${EXAMPLE.functions}`, import.meta.url), 'utf8');
  return parseAllDocuments(text)
    .map((document) => document.toJS()?.metadata?.name)
    .filter((name) => typeof name === 'string');
}

async function renderExample(port) {
  const addresses = exampleFunctionNames().flatMap((name) => [
    '--function-address',
    `${name}=${HOST}:${port}`,
  ]);
  const given = process.argv.slice(2);
  const extra = given.length > 0 ? given : ['--observed-resources', EXAMPLE.observed];
  if (given.length === 0) {
    process.stdout.write(
      `# ${EXAMPLE.xr} rendered with the observed resources in ${EXAMPLE.observed}\n`,
    );
  }
  const child = spawn(
    process.execPath,
    [
      'dist/render/cli.js',
      EXAMPLE.xr,
      EXAMPLE.composition,
      EXAMPLE.functions,
      ...addresses,
      ...extra,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const [code] = await once(child, 'exit');
  return code ?? 1;
}

async function main() {
  const server = spawnServer(await findFreePort());
  try {
    await waitUntilReady(server);
    const code = await renderExample(server.port);
    if (code !== 0) {
      process.stderr.write(
        `render failed with exit code ${code}. Function server output:\n${server.log}`,
      );
    }
    return code;
  } finally {
    await stopServer(server);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`example: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
