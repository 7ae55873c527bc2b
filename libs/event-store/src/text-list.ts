/**
 * Many events' stored texts as ONE text parameter. A JS array parameter goes out as an array
 * literal: pg escapes every quote of every JSON text (a copy of each, on the gateway's hot path)
 * and PostgreSQL parses the escapes back. RFC 8785 text never holds a raw control character
 * (strings escape them and there is no whitespace), so U+001E (record separator) can join the
 * texts and `string_to_array` split them, with nothing to escape on either side.
 * An absent text (null) goes as the empty string, which no JSON text is.
 */
const SEPARATOR = '\u001e';

export function joinTextList(texts: readonly (string | null)[]): string {
  return texts.map((text) => text ?? '').join(SEPARATOR);
}

/** The SQL that splits parameter `placeholder` (e.g. '$7') back into a text[]. */
export function splitTextList(placeholder: string): string {
  return `string_to_array(${placeholder}::text, E'\\x1e', '')`;
}
