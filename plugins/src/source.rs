//! A light reading of a script's text, before rhai compiles it: its names
//! and string literals outside comments, so that Duly can
//!
//! - let authors call a hook's first parameter `case`, a word rhai keeps for
//!   itself: it is spelt [`CASE_STANDIN`] (the same length, so every line and
//!   column stays put) in the text rhai compiles;
//! - work out what a script can look at, so that a call builds only that;
//! - check the step ids written in calls such as `require("…")`.

/// What `case` is spelt as in the text given to rhai: as long as `case`,
/// so that positions are the same in both texts.
pub(crate) const CASE_STANDIN: &str = "ca5e";

/// One token of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// A name.
    Name(&'a str),
    /// A string literal's text, as written between the quotes (escapes
    /// left as they are).
    Text(&'a str),
    /// Any other single character that is not white space.
    Symbol(char),
}

/// A token and the byte offset it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned<'a> {
    pub token: Token<'a>,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `text` outside comments. Numbers are left out; the code
/// inside `${…}` of a back-quoted string is read as code.
pub(crate) fn tokens(text: &str) -> Vec<Spanned<'_>> {
    let mut out = Vec::new();
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    reader.code(&mut out, false);
    out
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Reads code up to the end, or (inside `${…}`) up to its closing brace.
    fn code(&mut self, out: &mut Vec<Spanned<'a>>, nested: bool) {
        let mut depth = 0usize;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'/' if self.peek(1) == Some(b'/') => {
                    while self.peek(0).is_some_and(|b| b != b'\n') {
                        self.at += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'"' => self.quoted(out, b'"'),
                b'\'' => self.quoted(out, b'\''),
                b'`' => self.back_quoted(out),
                b'{' if nested => {
                    depth += 1;
                    self.symbol(out, '{');
                }
                b'}' if nested => {
                    if depth == 0 {
                        self.at += 1;
                        return;
                    }
                    depth -= 1;
                    self.symbol(out, '}');
                }
                b if b.is_ascii_alphabetic() || b == b'_' => {
                    let start = self.at;
                    while self
                        .peek(0)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        self.at += 1;
                    }
                    out.push(Spanned {
                        token: Token::Name(&self.text[start..self.at]),
                        start,
                        end: self.at,
                    });
                }
                b if b.is_ascii_digit() => {
                    while self
                        .peek(0)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    {
                        // `1..5` is a range, not a number.
                        if self.peek(0) == Some(b'.') && self.peek(1) == Some(b'.') {
                            break;
                        }
                        self.at += 1;
                    }
                }
                b if b.is_ascii_whitespace() => self.at += 1,
                b if b.is_ascii() => self.symbol(out, char::from(b)),
                _ => {
                    // A character beyond ASCII (outside strings it is an
                    // error rhai reports): step over it whole.
                    let width = self.text[self.at..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                    self.at += width;
                }
            }
        }
    }

    fn symbol(&mut self, out: &mut Vec<Spanned<'a>>, symbol: char) {
        out.push(Spanned {
            token: Token::Symbol(symbol),
            start: self.at,
            end: self.at + 1,
        });
        self.at += 1;
    }

    /// `/* … */`, which nest in rhai.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(byte) = self.peek(0) {
            if byte == b'/' && self.peek(1) == Some(b'*') {
                depth += 1;
                self.at += 2;
            } else if byte == b'*' && self.peek(1) == Some(b'/') {
                self.at += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else {
                self.at += 1;
            }
        }
    }

    /// `"…"` or `'…'`, with backslash escapes.
    fn quoted(&mut self, out: &mut Vec<Spanned<'a>>, quote: u8) {
        let start = self.at;
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'\\' => self.at += 2,
                b if b == quote => {
                    self.at += 1;
                    break;
                }
                b'\n' => break,
                _ => self.at += 1,
            }
        }
        let end = self.at.min(self.bytes.len());
        if quote == b'"' {
            let inner_end = if end > start + 1 && self.bytes[end - 1] == b'"' {
                end - 1
            } else {
                end
            };
            out.push(Spanned {
                token: Token::Text(self.text.get(start + 1..inner_end).unwrap_or("")),
                start,
                end,
            });
        }
    }

    /// `` `…` ``, whose `${…}` holds code.
    fn back_quoted(&mut self, out: &mut Vec<Spanned<'a>>) {
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'`' => {
                    self.at += 1;
                    return;
                }
                b'$' if self.peek(1) == Some(b'{') => {
                    self.at += 2;
                    self.code(out, true);
                }
                _ => self.at += 1,
            }
        }
    }
}

/// The text rhai compiles: every name `case` spelt [`CASE_STANDIN`].
pub(crate) fn for_rhai(text: &str, tokens: &[Spanned<'_>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for spanned in tokens {
        if spanned.token == Token::Name("case") {
            out.push_str(&text[last..spanned.start]);
            out.push_str(CASE_STANDIN);
            last = spanned.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Puts `case` back in a message about the text rhai compiled.
pub(crate) fn from_rhai(message: &str) -> String {
    message.replace(CASE_STANDIN, "case")
}

/// The byte offset of a one-based line and column (in characters).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + within;
        }
        offset += l.len();
    }
    text.len()
}

/// The span of the word (or the single character) at `offset`.
pub(crate) fn word_at(text: &str, offset: usize) -> (usize, usize) {
    let rest = text.get(offset..).unwrap_or("");
    let word: usize = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    let width = if word > 0 {
        word
    } else {
        rest.chars()
            .next()
            .filter(|c| *c != '\n')
            .map_or(0, char::len_utf8)
    };
    (offset, offset + width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        tokens(text)
            .into_iter()
            .filter_map(|t| match t.token {
                Token::Name(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_and_strings_hide_names() {
        let text = r#"
            // case in a comment
            /* case /* nested */ case */
            let a = "case \" case";
            let b = 'c';
            let c = `case ${ case.id + `${case}` } case`;
            fn on_event(case, event) { case.id }
        "#;
        assert_eq!(
            names(text),
            [
                "let", "a", "let", "b", "let", "c", "case", "id", "case", "fn", "on_event", "case",
                "event", "case", "id"
            ]
        );
    }

    #[test]
    fn case_becomes_the_stand_in_in_code_only() {
        let text = "fn on_event(case, event) { note(\"case closed\"); case.id } // case";
        let rewritten = for_rhai(text, &tokens(text));
        assert_eq!(
            rewritten,
            "fn on_event(ca5e, event) { note(\"case closed\"); ca5e.id } // case"
        );
        assert_eq!(rewritten.len(), text.len());
        assert_eq!(
            from_rhai("undefined variable `ca5e`"),
            "undefined variable `case`"
        );
    }

    #[test]
    fn string_literals_keep_their_text() {
        let found: Vec<Token<'_>> =
            tokens(r#"require("strategy_discussion", 1, "working day", "x")"#)
                .into_iter()
                .map(|t| t.token)
                .collect();
        assert_eq!(found[0], Token::Name("require"));
        assert_eq!(found[1], Token::Symbol('('));
        assert_eq!(found[2], Token::Text("strategy_discussion"));
        assert_eq!(found[5], Token::Text("working day"));
    }

    #[test]
    fn lines_and_columns_become_offsets() {
        let text = "ab\ncdé f\n";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 1), 3);
        assert_eq!(offset_of(text, 2, 5), 8);
        assert_eq!(word_at(text, 3), (3, 5));
        assert_eq!(offset_of(text, 9, 1), text.len());
    }
}
