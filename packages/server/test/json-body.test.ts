import { describe, expect, it } from 'vitest';
import { parseBody } from '../src/http/json-body.js';

/** The body rules every API shares (docs/api.md, "Transport"): one object, each name once, well-formed text. */
describe('parseBody', () => {
  it('takes one object, nested values and escaped quotes and backslashes in names and values included', () => {
    for (const raw of ['{}', '{"a":"1","b":"2"}', ' { "a" : [ "b" , "c" ] , "d" : { } } ', '{"a":{"x":1},"b":[{"x":1},{"x":2}]}',
      JSON.stringify({ 'a"b': 'x,\\"y\\', c: 1 }), JSON.stringify({ 'q\\': '\\', 'q\\\\': 1 }), '{"g":"\\ud83d\\ude00"}']) {
      expect(parseBody(raw), raw).toEqual({ ok: true, body: JSON.parse(raw) });
    }
  });

  it('refuses a name given twice at the top, however it is spelt or escaped, but not the same name in two nested objects', () => {
    for (const raw of ['{"amount":"9.00","amount":"1.00"}', '{"k":"\\\\","k":1}', '{"a":1,"b":{"a":1},"a":2}', '{"a":1,"\\u0061":2}']) {
      expect(parseBody(raw), raw).toEqual({ ok: false, msg: 'the body must be one JSON object, each name in it once' });
    }
    expect(parseBody('{"a":{"x":1},"b":{"x":2}}').ok).toBe(true);
  });

  it('refuses a lone surrogate escape in a value or a name, and what is not one object', () => {
    for (const raw of ['{"g":"a\\ud800b"}', '{"g\\udc00":"x"}', '{"x":"\\ud83d","y":"\\ude00"}', '{"n":["\\udbff"]}']) {
      expect(parseBody(raw), raw).toMatchObject({ ok: false, msg: expect.stringContaining('not well-formed Unicode') });
    }
    // Nested thousands deep (JSON.parse takes it), with a surrogate pair at the bottom: walked without recursion.
    const deep = `{"a":${'['.repeat(8000)}"\\ud83d\\ude00"${']'.repeat(8000)}}`;
    expect(parseBody(deep).ok).toBe(true);
    expect(parseBody(deep.replace('\\ude00', '')).ok).toBe(false);
    for (const raw of ['', '[1]', 'null', '"x"', '{"a":', '{"a":1}{"b":2}']) {
      expect(parseBody(raw), raw).toEqual({ ok: false, msg: 'the body must be one JSON object' });
    }
  });
});
