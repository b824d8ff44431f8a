/**
 * What the algorithm table needs to know of a column type: one spelling for the types MySQL writes in
 * several ways (so that `INTEGER` against `int(11)` is no change), the byte size of a VARCHAR under its
 * character set, and the members of an ENUM or SET with the bytes a value takes.
 */

/** The most bytes one character takes, by character set (MySQL's Maxlen column of SHOW CHARACTER SET). */
const MAX_BYTES_PER_CHARACTER: Record<string, number> = {
  utf8mb4: 4,
  utf8mb3: 3,
  utf8: 3,
  utf16: 4,
  utf16le: 4,
  utf32: 4,
  ucs2: 2,
  gb18030: 4,
  big5: 2,
  gbk: 2,
  gb2312: 2,
  sjis: 2,
  cp932: 2,
  euckr: 2,
  ujis: 3,
  eucjpms: 3
}

/** Bytes per character; single-byte sets (latin1, ascii, binary …) and unknown ones count 1. */
export function bytesPerCharacter(charset: string | null): number {
  if (charset === null) return 1
  return MAX_BYTES_PER_CHARACTER[charset.toLowerCase()] ?? 1
}

/** utf8 is utf8mb3's older name. */
export function sameCharset(a: string | null, b: string | null): boolean {
  const canonical = (name: string | null) => (name === null ? null : name.toLowerCase() === 'utf8' ? 'utf8mb3' : name.toLowerCase())
  return canonical(a) === canonical(b)
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint'])
const SYNONYMS: Record<string, string> = {
  integer: 'int',
  int4: 'int',
  int8: 'bigint',
  int1: 'tinyint',
  int2: 'smallint',
  int3: 'mediumint',
  middleint: 'mediumint',
  bool: 'tinyint',
  boolean: 'tinyint',
  dec: 'decimal',
  numeric: 'decimal',
  fixed: 'decimal',
  'double precision': 'double',
  real: 'double',
  character: 'char',
  'character varying': 'varchar',
  'char varying': 'varchar',
  'national char': 'char',
  'national varchar': 'varchar',
  nchar: 'char',
  nvarchar: 'varchar'
}

/**
 * One spelling of a column type: lower case, single spaces, synonyms resolved, integer display widths and
 * `signed` dropped (they change nothing stored), DECIMAL's defaults written out, CHAR(1) for CHAR.
 * ENUM and SET members are kept as written.
 */
export function normalizeType(type: string): string {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ')
  const enumOrSet = /^(enum|set)\s*\(/.exec(text)
  if (enumOrSet) return `${enumOrSet[1]}(${text.slice(enumOrSet[0].length)}`.replace(/\s*\)\s*$/, ')')
  const paren = text.indexOf('(')
  let head: string
  let args: string | null = null
  let tail: string
  if (paren >= 0) {
    const close = text.indexOf(')', paren)
    head = text.slice(0, paren).trim()
    args = text.slice(paren + 1, close < 0 ? text.length : close).replace(/\s/g, '')
    tail = close < 0 ? '' : text.slice(close + 1)
  } else {
    // Two-word names (DOUBLE PRECISION, CHARACTER VARYING …) before one-word ones.
    const words = text.split(' ')
    const two = words.slice(0, 2).join(' ')
    head = SYNONYMS[two] !== undefined ? two : words[0]
    tail = words.slice(head.split(' ').length).join(' ')
  }
  const base = SYNONYMS[head] ?? head
  const rest = tail
    .split(' ')
    .filter((word) => word !== '' && word !== 'signed')
    .join(' ')
  if (INTEGER_TYPES.has(base)) args = null
  if (base === 'decimal') args = args === null ? '10,0' : args.includes(',') ? args : `${args},0`
  if ((base === 'char' || base === 'binary') && args === null) args = '1'
  text = args === null ? base : `${base}(${args})`
  return rest === '' ? text : `${text} ${rest}`
}

/** VARCHAR(n) / VARBINARY(n): the kind and the length in characters (bytes for VARBINARY). */
export function variableLength(type: string): { kind: 'varchar' | 'varbinary'; length: number } | null {
  const match = /^(varchar|varbinary)\((\d+)\)$/.exec(normalizeType(type))
  return match ? { kind: match[1] as 'varchar' | 'varbinary', length: Number(match[2]) } : null
}

/** The members of ENUM(…) / SET(…) as written between the quotes, or null for other types. */
export function members(type: string): { kind: 'enum' | 'set'; values: string[] } | null {
  const match = /^(enum|set)\((.*)\)$/s.exec(normalizeType(type))
  if (!match) return null
  const values = [...match[2].matchAll(/'((?:[^']|'')*)'/g)].map((value) => value[1])
  return { kind: match[1] as 'enum' | 'set', values }
}

/** Bytes an ENUM value takes (1 up to 255 members, else 2) or a SET value (one bit a member: 1, 2, 3, 4 or 8). */
export function memberStorageBytes(kind: 'enum' | 'set', count: number): number {
  if (kind === 'enum') return count <= 255 ? 1 : 2
  const bytes = Math.ceil(count / 8)
  return bytes > 4 ? 8 : bytes
}
