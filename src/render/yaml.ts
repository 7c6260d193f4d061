import { Document, isScalar, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Pair, Tags } from 'yaml';
import { RenderError } from './errors.js';

// Kubernetes tooling, crossplane render included, reads YAML with go-yaml v2
// (through sigs.k8s.io/yaml), which follows YAML 1.1: `yes` and `on` are
// booleans and `0777` is octal. It keeps timestamps as strings and has no
// sexagesimal numbers, so those tags are dropped here.
const DROPPED_TAG_NAMES = new Set(['timestamp', 'intTime', 'floatTime']);

function kubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) =>
    typeof tag === 'string'
      ? !DROPPED_TAG_NAMES.has(tag)
      : tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME',
  );
}

/**
 * Parses a stream of YAML documents the way Kubernetes tooling reads
 * manifests, skipping documents that are empty, only comments or null.
 *
 * @param source - Names the input in error messages, usually the file path.
 * @throws RenderError naming the source, line and column of a syntax error.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, {
    version: '1.1',
    merge: true,
    customTags: kubernetesTags,
    prettyErrors: true,
  });

  const values: unknown[] = [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      // The first line names the problem, line and column. The rest is a code
      // excerpt that would break the one-line error output.
      const summary = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
      throw new RenderError(`"${source}" is not valid YAML: ${summary}`);
    }

    // A document of only comments parses to null, like an empty one.
    const value: unknown = document.toJS();
    if (value === null || value === undefined) {
      continue;
    }
    values.push(value);
  }

  return values;
}

/**
 * Serializes one document the way crossplane render prints it, which is
 * go-yaml v2 output of the object's JSON form. Map keys are sorted and
 * sequences are not indented under their key. Strings that YAML 1.1 would
 * read as another type are double-quoted.
 */
export function stringifyYamlDocument(value: unknown): string {
  const document = new Document(value, { sortMapEntries: compareKeys });

  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && readsAsOtherType(node.value)) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });

  // go-yaml falls back to single quotes when a string cannot be plain, and
  // does not fold long lines.
  return document.toString({
    indentSeq: false,
    singleQuote: true,
    lineWidth: 0,
    blockQuote: 'literal',
  });
}

/**
 * Reports whether a plain scalar with this text would read back as something
 * other than a string under YAML 1.1 (booleans, numbers, null, timestamps).
 */
function readsAsOtherType(text: string): boolean {
  if (text === '') {
    return true;
  }

  const contents = parseDocument(text, { version: '1.1' }).contents;
  return isScalar(contents) && typeof contents.value !== 'string';
}

function keyText(pair: Pair): string {
  const key: unknown = pair.key;
  return String(isScalar(key) ? key.value : key);
}

function compareKeys(a: Pair, b: Pair): number {
  return compareNaturally(keyText(a), keyText(b));
}

const LETTER = /\p{L}/u;
const DIGIT = /[0-9]/;

function isLetter(character: string): boolean {
  return LETTER.test(character);
}

function isDigit(character: string): boolean {
  return DIGIT.test(character);
}

/**
 * Orders map keys the way go-yaml v2 does: letters by code point, anything
 * else before a letter, and runs of digits by numeric value, so `item2`
 * sorts before `item10`.
 */
export function compareNaturally(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const shared = Math.min(left.length, right.length);

  for (let i = 0; i < shared; i++) {
    const l = left[i] as string;
    const r = right[i] as string;
    if (l === r) {
      continue;
    }

    const leftIsLetter = isLetter(l);
    const rightIsLetter = isLetter(r);
    if (leftIsLetter && rightIsLetter) {
      return l < r ? -1 : 1;
    }
    if (leftIsLetter || rightIsLetter) {
      return leftIsLetter ? 1 : -1;
    }

    const leftIsDigit = isDigit(l);
    const rightIsDigit = isDigit(r);
    if (leftIsDigit !== rightIsDigit) {
      // An empty run of digits counts as the smaller number.
      return leftIsDigit ? 1 : -1;
    }

    if (leftIsDigit && rightIsDigit) {
      // Compare whole numbers, including the digits both keys share before
      // position i, so that `a19` sorts before `a100`.
      let start = i;
      while (start > 0 && isDigit(left[start - 1] as string)) {
        start--;
      }
      const byNumber = compareDigitRuns(digitRun(left, start), digitRun(right, start));
      if (byNumber !== 0) {
        return byNumber;
      }
    }

    return l < r ? -1 : 1;
  }

  return left.length - right.length;
}

function digitRun(characters: string[], start: number): string {
  let end = start;
  while (end < characters.length && isDigit(characters[end] as string)) {
    end++;
  }
  return characters.slice(start, end).join('');
}

function compareDigitRuns(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  if (left !== right) {
    return left < right ? -1 : 1;
  }
  return a.length - b.length;
}
