//! Streams a CIN census file one `<Child>` at a time: each child (and the
//! header) is read into a small tree, everything else is skipped.

use crate::ImportError;
use quick_xml::Reader;
use quick_xml::events::Event as Xml;
use std::io::BufRead;

/// An element with its text and child elements.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    /// The line its start tag is on.
    pub line: u64,
    /// Its own text (not its children's), as written.
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The child elements called `name`.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Node> + use<'a> {
        let name = name.to_owned();
        self.children.iter().filter(move |n| n.name == name)
    }

    /// The first child element called `name`.
    pub fn first(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|n| n.name == name)
    }

    /// Its text, without surrounding white space.
    pub fn value(&self) -> &str {
        self.text.trim()
    }
}

/// What the stream yields.
#[derive(Debug)]
pub(crate) enum Item {
    Header(Node),
    Child(Node),
    Problem(ImportError),
}

/// Reads `<Header>` and `<Children>/<Child>` trees from a CIN census file.
pub(crate) struct Elements<R> {
    file: String,
    reader: Reader<R>,
    buf: Vec<u8>,
    line: u64,
    /// Names of the open elements outside the tree being built.
    path: Vec<String>,
    /// The tree being built: its root and open descendants.
    stack: Vec<Node>,
    children: usize,
    done: bool,
}

impl<R: BufRead> Elements<R> {
    pub fn new(file: &str, reader: R) -> Self {
        Elements {
            file: file.to_owned(),
            reader: Reader::from_reader(reader),
            buf: Vec::new(),
            line: 1,
            path: Vec::new(),
            stack: Vec::new(),
            children: 0,
            done: false,
        }
    }

    fn problem(&mut self, message: String) -> Option<Item> {
        self.done = true;
        Some(Item::Problem(ImportError::file(
            &self.file,
            Some(self.line),
            message,
        )))
    }

    /// Opens an element; returns whether a tree is being built from it.
    fn open(&mut self, name: String, line: u64) {
        if !self.stack.is_empty() {
            self.stack.push(Node {
                name,
                line,
                ..Node::default()
            });
            return;
        }
        let parent = self.path.last().map(String::as_str);
        let root = (name == "Child" && parent == Some("Children"))
            || (name == "Header" && self.path.len() == 1);
        if root {
            self.stack.push(Node {
                name,
                line,
                ..Node::default()
            });
        } else {
            self.path.push(name);
        }
    }

    /// Closes the innermost open element; returns a finished tree.
    fn close(&mut self) -> Option<Node> {
        match self.stack.pop() {
            None => {
                self.path.pop();
                None
            }
            Some(node) => match self.stack.last_mut() {
                Some(parent) => {
                    parent.children.push(node);
                    None
                }
                None => Some(node),
            },
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(node) = self.stack.last_mut() {
            node.text.push_str(text);
        }
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The character an entity or character reference stands for. Unknown
/// entities become U+FFFD, which no date, flag or code reads.
fn reference(text: &quick_xml::events::BytesRef<'_>) -> char {
    if let Ok(Some(c)) = text.resolve_char_ref() {
        return c;
    }
    match text.decode().as_deref() {
        Ok("amp") => '&',
        Ok("lt") => '<',
        Ok("gt") => '>',
        Ok("quot") => '"',
        Ok("apos") => '\'',
        _ => char::REPLACEMENT_CHARACTER,
    }
}

/// Says what is wrong with the XML without quoting the file's text.
fn explain(err: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error, IllFormedError};
    let what = match err {
        Error::Io(_) => return "the file could not be read here; reading stopped".into(),
        Error::Syntax(_) => "the XML is broken here (a tag, comment or declaration is not closed)",
        Error::IllFormed(IllFormedError::MismatchedEndTag { .. }) => {
            "an end tag here does not match the element that is open"
        }
        Error::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
            "an end tag here closes no open element"
        }
        Error::IllFormed(_) => "the XML is not well-formed here",
        Error::Encoding(_) => "the text here is not UTF-8",
        Error::InvalidAttr(_) => "an attribute here is broken",
        Error::Escape(_) | Error::Namespace(_) => "the XML is not well-formed here",
    };
    format!("{what}; reading stopped, the children before this point are imported")
}

impl<R: BufRead> Iterator for Elements<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            let line = self.line;
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(err) => {
                    let message = explain(&err);
                    return self.problem(message);
                }
            };
            let (opened, closes, text) = match &event {
                Xml::Start(e) => {
                    self.line += newlines(e);
                    (
                        Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned()),
                        false,
                        None,
                    )
                }
                Xml::Empty(e) => {
                    self.line += newlines(e);
                    (
                        Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned()),
                        true,
                        None,
                    )
                }
                Xml::End(_) => (None, true, None),
                Xml::Text(e) => {
                    self.line += newlines(e);
                    let text = e
                        .decode()
                        .map(|t| t.into_owned())
                        .unwrap_or_else(|_| "\u{FFFD}".into());
                    (None, false, Some(text))
                }
                Xml::CData(e) => {
                    self.line += newlines(e);
                    (None, false, Some(String::from_utf8_lossy(e).into_owned()))
                }
                Xml::GeneralRef(e) => (None, false, Some(reference(e).to_string())),
                Xml::Comment(e) | Xml::DocType(e) => {
                    self.line += newlines(e);
                    (None, false, None)
                }
                Xml::PI(e) => {
                    self.line += newlines(e);
                    (None, false, None)
                }
                Xml::Decl(e) => {
                    self.line += newlines(e);
                    (None, false, None)
                }
                Xml::Eof => {
                    self.done = true;
                    if !self.stack.is_empty() || !self.path.is_empty() {
                        return self.problem("the file ends before its elements are closed; the last child is not imported".into());
                    }
                    if self.children == 0 {
                        return Some(Item::Problem(ImportError::file(
                            &self.file,
                            None,
                            "no `Children/Child` elements found: is this a CIN census file?",
                        )));
                    }
                    return None;
                }
            };
            if let Some(text) = text {
                self.text(&text);
            }
            if let Some(name) = opened {
                self.open(name, line);
            }
            if closes && let Some(node) = self.close() {
                if node.name == "Child" {
                    self.children += 1;
                    return Some(Item::Child(node));
                }
                return Some(Item::Header(node));
            }
        }
    }
}
