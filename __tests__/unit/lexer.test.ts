/**
 * The one PostgreSQL lexer's named-parameter rewriting: the cases the pg transport's own rewriting is held
 * to (postgres-target.test.ts), and the same output as that rewriting on generated text while both exist.
 */
import { replaceNamedParameters, toPositional } from '../../src/dialects/postgresql/named-parameters.js'
import { tokenize } from '../../src/dialects/postgresql/tokens.js'
import * as transport from '../../src/targets/named-parameters.js'

describe('toPositional', () => {
  test.each([
    ['SELECT :a, :b, :a', { a: 1, b: 'x' }, 'SELECT $1, $2, $1', [1, 'x']],
    ["SELECT ':a', E'\\':a', \"col:a\", :a", { a: 1 }, "SELECT ':a', E'\\':a', \"col:a\", $1", [1]],
    ['SELECT x::int, :a::text', { a: 'v' }, 'SELECT x::int, $1::text', ['v']],
    ['SELECT $$ :a $$, $tag$ :a $tag$, :a', { a: null }, 'SELECT $$ :a $$, $tag$ :a $tag$, $1', [null]],
    ['SELECT 1 -- :a\n, /* :a /* nested :a */ :a */ :a', { a: true }, 'SELECT 1 -- :a\n, /* :a /* nested :a */ :a */ $1', [true]],
    ['SELECT arr[1:2], :unknown, :a', { a: 1 }, 'SELECT arr[1:2], :unknown, $1', [1]],
    ['SELECT a$b:a', { a: 2 }, 'SELECT a$b$1', [2]],
    ['SELECT :a', undefined, 'SELECT :a', []],
    ["SELECT 'it''s :a', :a", { a: 's' }, "SELECT 'it''s :a', $1", ['s']]
  ])('%s', (text, params, expected, values) => {
    expect(toPositional(text, params)).toEqual({ text: expected, values })
  })
})

describe('replaceNamedParameters', () => {
  test.each([
    // A `--` comment runs to the next LF; a `$` or an `E` glued to an identifier character starts nothing.
    ['-- :a\r:a\n:a', '-- :a\r:a\n<a>'],
    ['1$t$ :a $t$', '1$t$ <a> $t$'],
    ["$1E'\\' :a'", "$1E'\\' <a>'"],
    ["E'x'\n' :a'", "E'x'\n' :a'"],
    [':é, :::a, :_1', '<>é, ::<a>, <_1>']
  ])('%s', (text, expected) => {
    expect(replaceNamedParameters(text, (name) => `<${name}>`)).toBe(expected)
  })

  test('a dollar quote with a long tag is one string', () => {
    const tag = `$${'t'.repeat(300)}$`
    expect(replaceNamedParameters(`${tag} :a ${tag} :a`, () => 'X')).toBe(`${tag} :a ${tag} X`)
    expect(tokenize(`select ${tag} :a ${tag}`).map((token) => token.kind)).toEqual(['word', 'string'])
  })

  test('rewrites generated text as the transport does', () => {
    const pieces = [
      "'",
      '"',
      'E',
      "E'",
      'U&',
      'B',
      '$',
      '$$',
      '$a$',
      '$1',
      '1',
      ':',
      '::',
      ':a',
      ':b1',
      '--',
      '/*',
      '*/',
      '\n',
      '\r',
      ' ',
      '\\',
      'a',
      'é',
      '😀',
      "''"
    ]
    let seed = 42
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648)
    const onParameter = (name: string): string | undefined => (name.length % 2 ? `<${name}>` : undefined)
    for (let run = 0; run < 20000; run++) {
      let text = ''
      for (let length = 1 + Math.floor(random() * 12); length > 0; length--) text += pieces[Math.floor(random() * pieces.length)]
      expect(replaceNamedParameters(text, onParameter)).toBe(transport.replaceNamedParameters(text, onParameter))
    }
  })
})
