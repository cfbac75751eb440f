//! Who may do what: the tokens file, and checking a presented token.
//!
//! The file holds one `role token` pair a line; blank lines and lines
//! starting with `#` are ignored. Tokens are compared in constant time, and
//! every known token is compared with each request, so the time taken says
//! nothing about which token came close.

use subtle::ConstantTimeEq;

/// What a token lets its holder do. Each role can do what the ones before
/// it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read cases, events and reports.
    Reader,
    /// Read, and post events.
    Writer,
    /// Everything, and reload the rules.
    Admin,
}

impl Role {
    /// Its name in the tokens file (`writer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Writer => "writer",
            Role::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Option<Role> {
        match text {
            "reader" => Some(Role::Reader),
            "writer" => Some(Role::Writer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The shortest token accepted: shorter ones can be guessed.
pub const MIN_TOKEN_LEN: usize = 16;

/// The tokens the service accepts, each with its role.
#[derive(Clone)]
pub struct Tokens {
    entries: Vec<(Vec<u8>, Role)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves.
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish()
    }
}

/// What is wrong with a tokens file, naming the line. Never quotes a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TokensError {
    /// The file, as given.
    pub file: String,
    /// The line, from 1 (0 for the file as a whole).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl Tokens {
    /// Reads the tokens file at `path`.
    pub fn read(path: &std::path::Path) -> Result<Tokens, TokensError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| TokensError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read the tokens file: {}", err.kind()),
        })?;
        Tokens::parse(&file, &text)
    }

    /// Parses the text of a tokens file called `file`.
    pub fn parse(file: &str, text: &str) -> Result<Tokens, TokensError> {
        let error = |line: usize, message: String| TokensError {
            file: file.to_owned(),
            line,
            message,
        };
        let mut entries: Vec<(Vec<u8>, Role)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(role), Some(token), None) = (words.next(), words.next(), words.next()) else {
                return Err(error(
                    number,
                    "expected a role and a token separated by a space (`writer <token>`)".into(),
                ));
            };
            let Some(role) = Role::parse(role) else {
                return Err(error(
                    number,
                    format!("unknown role `{role}`: use `reader`, `writer` or `admin`"),
                ));
            };
            if token.len() < MIN_TOKEN_LEN {
                return Err(error(
                    number,
                    format!(
                        "the token is too short: use at least {MIN_TOKEN_LEN} random characters"
                    ),
                ));
            }
            if entries.iter().any(|(t, _)| t == token.as_bytes()) {
                return Err(error(
                    number,
                    "this token is already given on an earlier line: give each token once".into(),
                ));
            }
            entries.push((token.as_bytes().to_vec(), role));
        }
        if entries.is_empty() {
            return Err(error(
                0,
                "the tokens file has no tokens: add a line such as `writer <token>`".into(),
            ));
        }
        Ok(Tokens { entries })
    }

    /// The role of `presented`, if it is a known token. Compares it with
    /// every token, in constant time for tokens of its length.
    pub fn role_of(&self, presented: &[u8]) -> Option<Role> {
        let mut found = None;
        for (token, role) in &self.entries {
            if bool::from(token.as_slice().ct_eq(presented)) {
                found = Some(*role);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]
    use super::*;

    #[test]
    fn reads_roles_and_tokens_skipping_comments() {
        let tokens = Tokens::parse(
            "tokens",
            "# who may do what\nwriter wwwwwwwwwwwwwwww\n\nreader rrrrrrrrrrrrrrrr\nadmin  aaaaaaaaaaaaaaaa\n",
        )
        .unwrap();
        assert_eq!(tokens.role_of(b"wwwwwwwwwwwwwwww"), Some(Role::Writer));
        assert_eq!(tokens.role_of(b"rrrrrrrrrrrrrrrr"), Some(Role::Reader));
        assert_eq!(tokens.role_of(b"aaaaaaaaaaaaaaaa"), Some(Role::Admin));
        assert_eq!(tokens.role_of(b"wwwwwwwwwwwwwwwx"), None);
        assert_eq!(tokens.role_of(b"www"), None);
        assert_eq!(tokens.role_of(b""), None);
        assert!(Role::Admin > Role::Writer && Role::Writer > Role::Reader);
    }

    #[test]
    fn a_bad_line_is_named_and_no_token_is_quoted() {
        let cases = [
            ("writer\n", 1, "expected a role and a token"),
            (
                "# c\nwrter wwwwwwwwwwwwwwww\n",
                2,
                "unknown role `wrter`: use `reader`, `writer` or `admin`",
            ),
            ("reader short\n", 1, "the token is too short"),
            (
                "reader rrrrrrrrrrrrrrrr\nwriter rrrrrrrrrrrrrrrr\n",
                2,
                "already given",
            ),
            ("writer a b c\n", 1, "expected a role and a token"),
            ("\n# nothing\n", 0, "has no tokens"),
        ];
        for (text, line, message) in cases {
            let err = Tokens::parse("tokens.txt", text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}");
            assert!(err.message.contains(message), "{text:?}: {err}");
            assert!(!err.to_string().contains("rrrrrrrr"), "{err}");
            assert!(err.to_string().starts_with(&format!("tokens.txt:{line}: ")));
        }
    }
}
