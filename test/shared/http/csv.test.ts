import { describe, expect, test } from 'bun:test'
import { toCsv } from '../../../shared/http/csv.ts'

describe('toCsv', () => {
  test('quotes what needs quoting, leaves numbers and blanks as they are', () => {
    expect(
      toCsv(
        ['name', 'count', 'note'],
        [
          ['plain', 3, null],
          ['with, comma', -2.5, 'say "hi"'],
          ['two\nlines', 0, undefined],
        ],
      ),
    ).toBe('name,count,note\r\nplain,3,\r\n"with, comma",-2.5,"say ""hi"""\r\n"two\nlines",0,\r\n')
  })

  test('a text a spreadsheet would run as a formula is made plain text', () => {
    expect(toCsv(['x'], [['=HYPERLINK("x")'], ['+1'], ['-cmd'], ['@SUM(A1)'], ['ok']])).toBe(
      'x\r\n"\'=HYPERLINK(""x"")"\r\n\'+1\r\n\'-cmd\r\n\'@SUM(A1)\r\nok\r\n',
    )
  })
})
