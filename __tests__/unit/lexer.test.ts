/**
 * The one PostgreSQL lexer's named-parameter rewriting: the cases the pg transport is held to
 * (postgres-target.test.ts), its quirks, and long dollar-quote tags.
 */
import { replaceNamedParameters, toPositional } from '../../src/dialects/postgresql/named-parameters.js'
import { tokenize } from '../../src/dialects/postgresql/tokens.js'

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
})
