// Starts `target/debug/enlace serve --demo` on a free loopback port with a fresh data
// directory, waits for /healthz, and stops it afterwards. Each test file gets its own
// server, so files do not see each other's data.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = resolve(HERE, '..');
export const RESULTS_DIR = join(E2E_DIR, 'test-results');
const BINARY = process.env.ENLACE_BIN ?? resolve(E2E_DIR, '../target/debug/enlace');
const STARTUP_TIMEOUT_MS = 60_000;

/** Asks the kernel for a free port (a tiny race with the server's bind, acceptable here). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

function tail(file, lines = 60) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

/**
 * Starts a demo server. `name` labels the log file in test-results/.
 * Returns { baseURL, dataDir, logFile, stop }.
 */
export async function startServer(name) {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} not found: run \`cargo build\` first`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'enlace-e2e-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = join(RESULTS_DIR, `${basename(name)}.server.log`);
  const log = createWriteStream(logFile);

  const child = spawn(
    BINARY,
    ['serve', '--demo', '--data', dataDir, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = null;
  const exitedPromise = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolveExit(exited);
    });
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    log.end();
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(
        `enlace serve exited early (${JSON.stringify(exited)}); log ${logFile}:\n${tail(logFile)}`,
      );
    }
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `enlace serve did not answer /healthz within ${STARTUP_TIMEOUT_MS / 1000} s; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseURL, dataDir, logFile, stop };
}
