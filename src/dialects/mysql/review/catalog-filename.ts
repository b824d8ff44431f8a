/**
 * A database or table name as InnoDB's own dictionary spells it (`INFORMATION_SCHEMA.INNODB_TABLES.NAME` is
 * `schema/table` in this spelling): the server's "filename" character set, which keeps ASCII letters, digits
 * and `_` and writes every other character as `@` and four lower-case hex digits of its code point, except
 * the letters of the ranges the manual's table maps to three-character codes (Latin-1 and Latin Extended-A,
 * Greek, Cyrillic, Armenian, Latin Extended Additional, Greek Extended, Roman numerals, circled and full-width
 * letters) [doc: "Mapping of Identifiers to File Names", MySQL 8.0 manual 11.2.4; measured on MariaDB 10.11:
 * `my-Table$x.y` is `my@002dTable@0024x@002ey`, `日本` is `@65e5@672c`].
 *
 * Names with a character of those ranges, or outside the BMP, give null: the lookup is then left out (the
 * review reads no row-version count for that table) rather than made with a guess of the server's tables.
 */

/** Code point ranges whose letters the server encodes with its own table (not reproduced here). */
const TABLE_MAPPED: ReadonlyArray<readonly [number, number]> = [
  [0x00c0, 0x05ff],
  [0x1e00, 0x1fff],
  [0x2160, 0x217f],
  [0x24b0, 0x24ef],
  [0xff20, 0xff5f]
]

const SAFE = /^[0-9A-Za-z_]$/

/** The name in the server's filename spelling, or null when it cannot be spelled without the server's table. */
export function innodbFilename(name: string): string | null {
  let out = ''
  for (const character of name) {
    if (SAFE.test(character)) {
      out += character
      continue
    }
    const code = character.codePointAt(0) ?? 0
    if (code === 0 || code > 0xffff) return null
    if (TABLE_MAPPED.some(([low, high]) => code >= low && code <= high)) return null
    out += `@${code.toString(16).padStart(4, '0')}`
  }
  return out
}
