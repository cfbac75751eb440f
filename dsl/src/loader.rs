//! Reading rule files: the only I/O the language does, behind a trait.
//!
//! The checker asks a [`SourceLoader`] for files by path and for the files of
//! a folder; [`FsLoader`] reads the disk and [`MemoryLoader`] serves tests.
//! [`load`] follows `import` lines (files and folders, relative to the
//! importing file), reads each file once, and reports import cycles.

use crate::ast::{Item, SourceFile};
use crate::diagnostic::{Diagnostic, FileId, Sources, Span};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Reads files for the checker.
pub trait SourceLoader {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// Whether `path` is a folder.
    fn is_dir(&self, path: &Path) -> bool;
    /// Every file under the folder `dir` (and its subfolders) whose name ends
    /// in `.<extension>`, sorted.
    fn list(&self, dir: &Path, extension: &str) -> io::Result<Vec<PathBuf>>;
}

/// Reads the file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn list(&self, dir: &Path, extension: &str) -> io::Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder)? {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == extension) {
                    found.push(normalize(&path));
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// Files held in memory, for tests: folders are implied by the paths.
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryLoader {
    /// An empty set of files.
    pub fn new() -> Self {
        MemoryLoader::default()
    }

    /// Adds (or replaces) a file.
    pub fn with(mut self, path: impl AsRef<Path>, text: impl Into<String>) -> Self {
        self.files.insert(normalize(path.as_ref()), text.into());
        self
    }
}

impl SourceLoader for MemoryLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn is_dir(&self, path: &Path) -> bool {
        let dir = normalize(path);
        self.files.keys().any(|f| f != &dir && f.starts_with(&dir))
    }

    fn list(&self, dir: &Path, extension: &str) -> io::Result<Vec<PathBuf>> {
        let dir = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter(|f| {
                *f != &dir && f.starts_with(&dir) && f.extension().is_some_and(|e| e == extension)
            })
            .cloned()
            .collect())
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(last, Some(Component::RootDir | Component::Prefix(_))) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// One rule file, read and parsed.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Its id in [`Loaded::sources`].
    pub id: FileId,
    /// Where it was read from.
    pub path: PathBuf,
    /// What it says.
    pub syntax: SourceFile,
}

/// Every rule file reachable from the roots, imports first.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The text of every file read (rule files, and later closures and plugins).
    pub sources: Sources,
    /// The rule files, each once, a file's imports before the file.
    pub files: Vec<LoadedFile>,
    /// What went wrong while reading and parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the rule files at `roots` (files, or folders of `.duly` files) and
/// everything they import.
pub fn load(loader: &dyn SourceLoader, roots: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    // import edges: (from file index, to file index, import span)
    let mut edges: Vec<(usize, usize, Span)> = Vec::new();
    let mut queue: Vec<(PathBuf, Option<(usize, Span)>)> = Vec::new();

    for root in roots {
        let root = normalize(root);
        if loader.is_dir(&root) {
            match loader.list(&root, "duly") {
                Ok(files) if files.is_empty() => loaded.diagnostics.push(
                    Diagnostic::error(
                        "no-rules",
                        format!("there are no `.duly` files in `{}`", root.display()),
                    )
                    .help("give a `.duly` file, or a folder that holds some"),
                ),
                Ok(files) => queue.extend(files.into_iter().map(|f| (f, None))),
                Err(e) => loaded.diagnostics.push(read_error(&root, &e, None)),
            }
        } else {
            queue.push((root, None));
        }
    }

    let mut next = 0;
    // Read breadth first; order later.
    while next < queue.len() {
        let (path, from) = queue[next].clone();
        next += 1;
        if let Some(&seen) = index.get(&path) {
            if let Some((from, span)) = from {
                edges.push((from, seen, span));
            }
            continue;
        }
        let text = match loader.read(&path) {
            Ok(text) => text,
            Err(e) => {
                let at = from.map(|(f, s)| (loaded.files[f].id, s));
                loaded.diagnostics.push(read_error(&path, &e, at));
                continue;
            }
        };
        let id = loaded
            .sources
            .add(path.display().to_string(), path.clone(), text.as_str());
        let (syntax, diagnostics) = crate::syntax::parse(id, &text);
        loaded.diagnostics.extend(diagnostics);
        let me = loaded.files.len();
        index.insert(path.clone(), me);
        if let Some((from, span)) = from {
            edges.push((from, me, span));
        }
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for item in &syntax.items {
            let Item::Import(import) = item else { continue };
            let target = normalize(&base.join(&import.path.value));
            if loader.is_dir(&target) {
                match loader.list(&target, "duly") {
                    Ok(files) if files.is_empty() => loaded.diagnostics.push(
                        Diagnostic::error(
                            "bad-import",
                            format!("there are no `.duly` files in `{}`", import.path.value),
                        )
                        .at(id, import.path.span, "nothing to import here")
                        .help("paths are relative to the folder of the importing file"),
                    ),
                    Ok(files) => {
                        queue.extend(files.into_iter().map(|f| (f, Some((me, import.span)))))
                    }
                    Err(e) => loaded.diagnostics.push(read_error(
                        &target,
                        &e,
                        Some((id, import.path.span)),
                    )),
                }
            } else {
                queue.push((target, Some((me, import.span))));
            }
        }
        loaded.files.push(LoadedFile { id, path, syntax });
    }

    report_cycles(&mut loaded, &edges);
    loaded.files = order(std::mem::take(&mut loaded.files), &edges);
    loaded
}

fn read_error(path: &Path, error: &io::Error, at: Option<(FileId, Span)>) -> Diagnostic {
    let why = match error.kind() {
        io::ErrorKind::NotFound => "there is no such file or folder".to_string(),
        io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        _ => error.to_string(),
    };
    let d = Diagnostic::error(
        "unreadable-file",
        format!("cannot read `{}`", path.display()),
    );
    match at {
        Some((file, span)) => d
            .at(file, span, why)
            .help("paths in `import` are relative to the folder of the importing file"),
        None => d.help(format!("{why}; check the path")),
    }
}

/// Reports each import cycle once, at an import line on the cycle.
fn report_cycles(loaded: &mut Loaded, edges: &[(usize, usize, Span)]) {
    let mut graph = petgraph::graph::DiGraph::<usize, Span>::new();
    let nodes: Vec<_> = (0..loaded.files.len()).map(|i| graph.add_node(i)).collect();
    for &(from, to, span) in edges {
        if let (Some(&a), Some(&b)) = (nodes.get(from), nodes.get(to)) {
            graph.add_edge(a, b, span);
        }
    }
    for component in petgraph::algo::tarjan_scc(&graph) {
        let members: Vec<usize> = {
            let mut m: Vec<usize> = component.iter().map(|n| graph[*n]).collect();
            m.sort_unstable();
            m
        };
        let Some(&first) = members.first() else {
            continue;
        };
        // The import line in `first` that leads into the cycle.
        let Some(&(_, to, span)) = edges
            .iter()
            .find(|(f, t, _)| *f == first && members.contains(t))
        else {
            continue;
        };
        if members.len() == 1 && to != first {
            continue;
        }
        let name = |i: usize| {
            loaded
                .files
                .get(i)
                .map(|f| format!("`{}`", f.path.display()))
                .unwrap_or_default()
        };
        let chain: Vec<String> = members
            .iter()
            .map(|&m| name(m))
            .chain(std::iter::once(name(first)))
            .collect();
        let message = if members.len() == 1 {
            format!("{} imports itself", name(first))
        } else {
            format!("import cycle: {}", chain.join(" → "))
        };
        let file = loaded.files[first].id;
        loaded.diagnostics.push(
            Diagnostic::error("import-cycle", message)
                .at(file, span, "this import leads back here")
                .help("files may not import each other in a loop: keep the shared rules in one file and import it from the others"),
        );
    }
}

/// Orders files so that each file's imports come before it (depth first,
/// imports in the order written), keeping the roots' order otherwise.
fn order(files: Vec<LoadedFile>, edges: &[(usize, usize, Span)]) -> Vec<LoadedFile> {
    let n = files.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to, _) in edges {
        if from < n && to < n && !children[from].contains(&to) {
            children[from].push(to);
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if done[start] {
            continue;
        }
        done[start] = true;
        let mut stack = vec![(start, 0usize)];
        while let Some((node, child)) = stack.pop() {
            if let Some(&next) = children[node].get(child) {
                stack.push((node, child + 1));
                if !done[next] {
                    done[next] = true;
                    stack.push((next, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut slots: Vec<Option<LoadedFile>> = files.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots_lexically() {
        assert_eq!(
            normalize(Path::new("rules/local/x/../../national")),
            PathBuf::from("rules/national")
        );
        assert_eq!(normalize(Path::new("./a.duly")), PathBuf::from("a.duly"));
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
    }

    #[test]
    fn imports_are_read_once_and_come_first() {
        let loader = MemoryLoader::new()
            .with(
                "local/a.duly",
                "import \"../lib\"\nimport \"../lib/b.duly\"\n",
            )
            .with("lib/b.duly", "# b\n")
            .with("lib/c.duly", "# c\n");
        let loaded = load(&loader, &[PathBuf::from("local/a.duly")]);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let names: Vec<_> = loaded
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        assert_eq!(names, ["lib/b.duly", "lib/c.duly", "local/a.duly"]);
    }

    #[test]
    fn import_cycles_are_reported() {
        let loader = MemoryLoader::new()
            .with("a.duly", "import \"b.duly\"\n")
            .with("b.duly", "import \"a.duly\"\n");
        let loaded = load(&loader, &[PathBuf::from("a.duly")]);
        assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
        assert_eq!(loaded.diagnostics[0].code, "import-cycle");
        assert_eq!(loaded.files.len(), 2);
    }

    #[test]
    fn a_missing_import_points_at_the_import_line() {
        let loader = MemoryLoader::new().with("a.duly", "import \"nope.duly\"\n");
        let loaded = load(&loader, &[PathBuf::from("a.duly")]);
        assert_eq!(loaded.diagnostics[0].code, "unreadable-file");
        assert!(loaded.diagnostics[0].primary.is_some());
    }
}
