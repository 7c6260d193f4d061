import { describe, expect, it } from 'vitest';
import {
  compareNaturally,
  parseYamlDocuments,
  stringifyYamlDocument,
} from '../../src/render/yaml.js';

describe('parseYamlDocuments', () => {
  const cases = [
    {
      name: 'YAML 1.1 booleans',
      reason: 'Kubernetes tooling reads yes, on and off as booleans',
      text: 'a: yes\nb: on\nc: off\nd: "yes"\n',
      want: [{ a: true, b: true, c: false, d: 'yes' }],
    },
    {
      name: 'timestamps stay strings',
      reason: 'go-yaml v2 keeps timestamps as strings in untyped objects',
      text: 'when: 2024-01-01T00:00:00Z\n',
      want: [{ when: '2024-01-01T00:00:00Z' }],
    },
    {
      name: 'no sexagesimal numbers',
      reason: 'go-yaml v2 does not read 1:30 as a number',
      text: 'time: 1:30\n',
      want: [{ time: '1:30' }],
    },
    {
      name: 'octal numbers',
      reason: 'YAML 1.1 reads a leading zero as octal',
      text: 'mode: 0644\n',
      want: [{ mode: 420 }],
    },
    {
      name: 'empty documents skipped',
      reason: 'a lone ---, a comment-only document and null are not objects',
      text: '---\n# nothing\n---\nkind: A\n---\nnull\n---\n',
      want: [{ kind: 'A' }],
    },
    {
      name: 'merge keys',
      reason: 'YAML 1.1 merge keys are resolved',
      text: 'base: &b {x: 1}\nother:\n  <<: *b\n  z: 2\n',
      want: [{ base: { x: 1 }, other: { x: 1, z: 2 } }],
    },
    {
      name: 'boolean keys',
      reason: 'go-yaml v2 reads the key y as true, and Kubernetes tooling turns it into "true"',
      text: 'y: 1\n',
      want: [{ true: 1 }],
    },
  ];

  it.each(cases)('$name', ({ reason, text, want }) => {
    expect(parseYamlDocuments(text, 'test.yaml'), reason).toEqual(want);
  });

  it('names the source on errors', () => {
    expect(
      () => parseYamlDocuments('a: b\n  c: d\n', 'broken.yaml'),
      'syntax errors name the source and position on one line',
    ).toThrow(/^"broken\.yaml" is not valid YAML: .* at line \d+, column \d+$/);
  });

  it('rejects duplicate keys', () => {
    expect(
      () => parseYamlDocuments('a: 1\na: 2\n', 'dup.yaml'),
      'a repeated key is almost always a mistake in a manifest',
    ).toThrow('"dup.yaml" is not valid YAML');
  });
});

describe('stringifyYamlDocument', () => {
  const cases = [
    {
      name: 'typed strings',
      reason: 'strings that YAML 1.1 reads as other types are double-quoted',
      value: { a: 'True', b: 'yes', c: '123', d: '2024-01-01', e: '', f: 'null', g: 'n' },
      want: 'a: "True"\nb: "yes"\nc: "123"\nd: "2024-01-01"\ne: ""\nf: "null"\ng: "n"\n',
    },
    {
      name: 'special characters',
      reason: 'strings that cannot be plain are single-quoted, as go-yaml does',
      value: { a: 'x: y', b: '#hash', c: '- dash' },
      want: "a: 'x: y'\nb: '#hash'\nc: '- dash'\n",
    },
    {
      name: 'multi-line strings',
      reason: 'line breaks print as a literal block',
      value: { text: 'one\ntwo' },
      want: 'text: |-\n  one\n  two\n',
    },
    {
      name: 'lists and empty values',
      reason: 'lists are not indented under their key, empty collections are flow style',
      value: { list: [{ b: 1, a: 2 }], empty: {}, none: [] },
      want: 'empty: {}\nlist:\n- a: 2\n  b: 1\nnone: []\n',
    },
    {
      name: 'long strings',
      reason: 'long lines are not folded',
      value: { long: 'word '.repeat(30).trim() },
      want: `long: ${'word '.repeat(30).trim()}\n`,
    },
  ];

  it.each(cases)('$name', ({ reason, value, want }) => {
    expect(stringifyYamlDocument(value), reason).toBe(want);
  });
});

describe('compareNaturally', () => {
  const cases = [
    { reason: 'letters compare by code point', a: 'B', b: 'a', want: -1 },
    { reason: 'digit runs compare by value', a: 'item2', b: 'item10', want: -1 },
    { reason: 'shared leading digits count', a: 'a19', b: 'a100', want: -1 },
    { reason: 'a non-letter sorts before a letter', a: 'a_b', b: 'aB', want: -1 },
    { reason: 'a non-digit sorts before a digit', a: 'a~', b: 'a5', want: -1 },
    { reason: 'a prefix sorts first', a: 'spec', b: 'specs', want: -1 },
    { reason: 'equal strings compare equal', a: 'kind', b: 'kind', want: 0 },
  ];

  it.each(cases)('$reason', ({ reason, a, b, want }) => {
    expect(Math.sign(compareNaturally(a, b)), reason).toBe(want);
    expect(Math.sign(compareNaturally(b, a)), `${reason} (reversed)`).toBe(want === 0 ? 0 : -want);
  });
});
