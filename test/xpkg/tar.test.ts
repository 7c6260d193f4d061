import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTar } from '../../scripts/xpkg/image.js';
import { readTar } from '../../scripts/xpkg/tar.js';

const scratch = mkdtempSync(join(tmpdir(), 'xpkg-tar-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const longDirectory = `node_modules/${'a'.repeat(60)}/${'b'.repeat(60)}`;

function stageTree(name: string, fileMode: number): string {
  const root = join(scratch, name);
  mkdirSync(join(root, longDirectory), { recursive: true });
  writeFileSync(join(root, longDirectory, 'index.js'), 'export {};\n');
  chmodSync(join(root, longDirectory, 'index.js'), fileMode);
  writeFileSync(join(root, 'tool'), '#!/bin/sh\n');
  chmodSync(join(root, 'tool'), 0o755);
  symlinkSync('tool', join(root, 'link'));
  utimesSync(join(root, 'tool'), new Date(), new Date());
  return root;
}

describe('createTar and readTar', () => {
  it('round-trips long names and links', () => {
    const root = stageTree('round-trip', 0o644);
    const tarFile = join(scratch, 'round-trip.tar');
    createTar(root, tarFile, 1_700_000_000, true);

    const entries = readTar(readFileSync(tarFile));
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    const longFile = byName.get(`${longDirectory}/index.js`);

    expect(longFile?.type).toBe('file');
    expect(longFile?.data.toString()).toBe('export {};\n');
    expect(byName.get('link')?.type).toBe('symlink');
    expect(byName.get('link')?.linkname).toBe('tool');
    expect(byName.get('tool')?.mode).toBe(0o755);
    expect(entries.every((entry) => entry.uid === 0 && entry.gid === 0)).toBe(true);
    expect(entries.every((entry) => entry.mtime === 1_700_000_000)).toBe(true);
  });

  it('lists parents before children in byte order', () => {
    const root = stageTree('order', 0o644);
    const tarFile = join(scratch, 'order.tar');
    createTar(root, tarFile, 0, true);

    const names = readTar(readFileSync(tarFile)).map((entry) => entry.name);

    expect(names.slice(0, 3)).toEqual(['link', 'node_modules', `node_modules/${'a'.repeat(60)}`]);
    expect(names.at(-1)).toBe('tool');
  });

  it('gives identical bytes whatever the staged modes', () => {
    const first = stageTree('modes-a', 0o644);
    const second = stageTree('modes-b', 0o664);
    createTar(first, join(scratch, 'modes-a.tar'), 0, true);
    createTar(second, join(scratch, 'modes-b.tar'), 0, true);

    expect(
      readFileSync(join(scratch, 'modes-a.tar')).equals(readFileSync(join(scratch, 'modes-b.tar'))),
    ).toBe(true);
  });
});
