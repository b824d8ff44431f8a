/**
 * A YAML file named by an input (the fleet's targets file, the settings file), read as untrusted input: found
 * without following a symbolic link anywhere on the way, read with a cap on its size, decoded as strict UTF-8,
 * and parsed strictly (a duplicate key is an error). Every error is an InputError of that input, naming the
 * file and, where there is one, the line.
 */
import { lstatSync } from 'node:fs'
import path from 'node:path'
import { LineCounter, isScalar, parseDocument, type Node, type Pair } from 'yaml'
import { InputError, MigrationFileError } from './errors.js'
import { readBoundedFile, relativeInside, type FileBounds } from './migrations/files.js'

/** Which input names the file and how its messages call it. */
export interface YamlInput {
  /** The input the errors name (`targets`, `config`). */
  input: string
  /** `targets file`, as in "the targets file must be a plain file". */
  what: string
  /** A path to show in "give a path in the repository, such as …". */
  example: string
  maxBytes: number
}

/** `input` (a path relative to `root`) inside `root`, reached through no symbolic link. */
export function locateInside(spec: YamlInput, input: string, root: string): { absolute: string; relative: string } {
  if (input.includes('\0')) throw new InputError(spec.input, 'is not a path')
  const base = path.resolve(root)
  const inside = relativeInside(base, input)
  if (inside === null || inside === '.') {
    throw new InputError(spec.input, `'${input}' is outside the workspace: give a path in the repository, such as ${spec.example}`)
  }
  // No link anywhere on the way: a pull request could point one at a file outside the repository.
  let walked = base
  for (const part of inside.split('/')) {
    walked = path.join(walked, part)
    let stat
    try {
      stat = lstatSync(walked)
    } catch {
      throw new InputError(spec.input, `${inside} does not exist`)
    }
    if (stat.isSymbolicLink())
      throw new InputError(spec.input, `${path.relative(base, walked)} is a symbolic link: the ${spec.what} must be a plain file`)
  }
  return { absolute: path.resolve(base, inside), relative: inside }
}

/** The file's text: no link followed, nothing but a regular file, at most `maxBytes`, UTF-8. */
export function readYamlText(spec: YamlInput, absolute: string, shown: string): string {
  const bounds: FileBounds = {
    maxBytes: spec.maxBytes,
    tooLarge: (name, bytes) =>
      new InputError(spec.input, `${name} is ${bytes} bytes: a ${spec.what} may have at most ${spokenBytes(spec.maxBytes)}`),
    notRegular: (name) => new InputError(spec.input, `${name} is not a file`)
  }
  let bytes: Buffer
  try {
    bytes = readBoundedFile(absolute, shown, bounds)
  } catch (error) {
    // A link swapped in after the path was checked: said as the check says it.
    if (error instanceof MigrationFileError)
      throw new InputError(spec.input, `${shown} is a symbolic link: the ${spec.what} must be a plain file`)
    throw error
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw new InputError(spec.input, `${shown} is not UTF-8 text`)
  }
}

function spokenBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`
}

export type Fail = (node: Node | null | undefined, message: string) => never

/** A parsed YAML document, with the line of a node (`file:line`) and a failure at one. */
export interface ParsedYaml {
  root: Node | null
  at(node: Node | null | undefined): string
  fail: Fail
}

/** Parses strictly: a duplicate key or anything not YAML is an error at its line. */
export function parseYaml(text: string, file: string, input: string): ParsedYaml {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true })
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0]
    return offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`
  }
  const fail: Fail = (node, message) => {
    throw new InputError(input, `${at(node)}: ${message}`)
  }
  if (document.errors.length) {
    const error = document.errors[0]
    const line = error.linePos?.[0]?.line ?? (error.pos ? lineCounter.linePos(error.pos[0]).line : undefined)
    throw new InputError(input, `${file}${line ? `:${line}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`)
  }
  return { root: document.contents as Node | null, at, fail }
}

/** A mapping's key, which must be a plain word. */
export function keyOf(pair: Pair, fail: Fail): string {
  if (!isScalar(pair.key) || typeof pair.key.value !== 'string') fail(pair.key as Node, 'keys must be plain words')
  return (pair.key as { value: string }).value
}
