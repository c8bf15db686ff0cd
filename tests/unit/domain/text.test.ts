import { compareCodePoints, normalizeKey, normalizeText } from '../../../domain/text';

describe('normalizeText', () => {
  test('NFKC folds full-width letters', () => {
    expect(normalizeText('\uFF2Dobile')).toBe('Mobile'); // 'Ｍobile'
    expect(normalizeText('\uFF4D\uFF4F\uFF42')).toBe('mob'); // 'ｍｏｂ'
  });

  test('NFKC expands compatibility ligatures', () => {
    expect(normalizeText('\uFB01ne')).toBe('fine'); // 'ﬁne'
  });

  test('trims both ends', () => {
    expect(normalizeText('  home  ')).toBe('home');
  });

  test('collapses whitespace runs, tabs and newlines included, to one space', () => {
    expect(normalizeText('a \t\n  b')).toBe('a b');
    expect(normalizeText('\tproduct\r\npage\n')).toBe('product page');
  });

  test('an ideographic space becomes a plain space (NFKC) and is collapsed', () => {
    expect(normalizeText('a\u3000\u3000b')).toBe('a b');
  });

  test('keeps case and already-clean text', () => {
    expect(normalizeText('Smart-TV')).toBe('Smart-TV');
    expect(normalizeText('a b')).toBe('a b');
  });

  test('whitespace only becomes empty', () => {
    expect(normalizeText(' \t\n ')).toBe('');
  });
});

describe('normalizeKey', () => {
  test('applies the text rule then lowercases', () => {
    expect(normalizeKey(' MOBILE ')).toBe('mobile');
    expect(normalizeKey('\uFF2Dobile')).toBe('mobile');
    expect(normalizeKey('  Home\t\tAppliances ')).toBe('home appliances');
    expect(normalizeKey('Smart-TV')).toBe('smart-tv');
  });
});

describe('compareCodePoints', () => {
  const astral = '\u{1F600}'; // U+1F600, encoded as the surrogate pair D83D DE00
  const bmpTop = '\uFFFF';

  test('orders an astral character after U+FFFF, unlike JavaScript <', () => {
    expect(astral < bmpTop).toBe(true); // UTF-16 code-unit order
    expect(compareCodePoints(astral, bmpTop)).toBeGreaterThan(0);
    expect(compareCodePoints(bmpTop, astral)).toBeLessThan(0);
  });

  test('orders an astral character after U+E000 (private use)', () => {
    expect(compareCodePoints('\uE000', astral)).toBeLessThan(0);
  });

  test('agrees with plain order below the surrogates', () => {
    expect(compareCodePoints('a', 'b')).toBeLessThan(0);
    expect(compareCodePoints('B', 'a')).toBeLessThan(0);
    expect(compareCodePoints('i10', 'i9')).toBeLessThan(0);
    expect(compareCodePoints('\u00e9', '\u4e2d')).toBeLessThan(0);
  });

  test('a prefix comes first and equal strings compare 0', () => {
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'ab')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
    expect(compareCodePoints('', '')).toBe(0);
  });

  test('sorts a mixed list in code-point (UTF-8 byte) order', () => {
    const list = ['\uFFFF', 'b', astral, 'a', '\uE000', '\u00e9'];
    const expected = ['a', 'b', '\u00e9', '\uE000', '\uFFFF', astral];
    expect([...list].sort(compareCodePoints)).toEqual(expected);
    // Byte order of the UTF-8 encodings agrees.
    const bytes = [...list].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
    expect(bytes).toEqual(expected);
  });
});
