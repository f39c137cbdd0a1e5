//! The web crate's modules import one another in one direction only. A loop (the state importing
//! a hub that imports the state, a job dispatcher importing the subjects that run their own jobs,
//! two pages borrowing each other's helpers) makes every module in it depend on all the others;
//! this test reads the sources and names any loop it finds, with the names each step takes.
//!
//! It follows `crate::…` and `super::…` paths, in `use` lines and in code, outside comments and
//! `#[cfg(test)]` modules. A parent names its own children without either (`mod center;`,
//! `center::page`), so a child's use of its parent (`super::render`) is no loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `pages/center.rs` is `pages::center`, `chat/mod.rs` is `chat`, `lib.rs` the root.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The paths after each `prefix` (`crate::`, `super::`): `crate::{a, b::c}` gives two.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at].chars().next_back().is_some_and(ident) {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let path: Vec<String> = item.trim().split("::").map(|s| s.trim().to_owned()).collect();
                out.push(path);
            }
        } else {
            let end = rest.find(|c: char| !(ident(c) || c == ':')).unwrap_or(rest.len());
            out.push(rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect());
        }
    }
    out
}

type Edges = BTreeMap<Vec<String>, BTreeMap<Vec<String>, BTreeSet<String>>>;

/// Each module's imports of other modules (with the names taken) and the loops among them, as a
/// report (empty: none).
fn read(root: &Path) -> (Edges, String) {
    let mut files = Vec::new();
    sources(root, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f.strip_prefix(root).unwrap())).collect();
    // The longest prefix of `path` that is a module other than the root.
    let resolve = |path: &[String]| (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m));
    let mut edges: Edges = BTreeMap::new();
    for f in &files {
        let me = module_of(f.strip_prefix(root).unwrap());
        let text = code(&std::fs::read_to_string(f).unwrap());
        let parent: Vec<String> = me[..me.len().saturating_sub(1)].to_vec();
        let mut found: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for p in paths_after(&text, "crate::") {
            found.push((p.clone(), p));
        }
        for p in paths_after(&text, "super::") {
            let full: Vec<String> = parent.iter().cloned().chain(p.iter().cloned()).collect();
            found.push((full, p));
        }
        for (full, named) in found {
            if let Some(target) = resolve(&full).filter(|t| *t != me && !t.is_empty()) {
                let name = named.last().cloned().unwrap_or_default();
                edges.entry(me.clone()).or_default().entry(target).or_default().insert(name);
            }
        }
    }
    // Tarjan's strongly connected components.
    struct Walk<'a> {
        edges: &'a Edges,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        loops: Vec<Vec<Vec<String>>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &Vec<String>) {
            let n = self.index.len();
            self.index.insert(v.clone(), n);
            self.low.insert(v.clone(), n);
            self.stack.push(v.clone());
            let next: Vec<Vec<String>> = self.edges.get(v).map(|e| e.keys().cloned().collect()).unwrap_or_default();
            for w in &next {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let l = self.low[v].min(self.low[w]);
                    self.low.insert(v.clone(), l);
                } else if self.stack.contains(w) {
                    let l = self.low[v].min(self.index[w]);
                    self.low.insert(v.clone(), l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    let done = w == *v;
                    component.push(w);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.loops.push(component);
                }
            }
        }
    }
    let mut walk = Walk { edges: &edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], loops: vec![] };
    for m in &modules {
        if !walk.index.contains_key(m) {
            walk.visit(m);
        }
    }
    let mut report = String::new();
    for component in &walk.loops {
        report.push_str(&format!("a loop of {} modules:\n", component.len()));
        for a in component {
            for (b, names) in edges.get(a).into_iter().flatten() {
                if component.contains(b) {
                    report.push_str(&format!("  {} -> {}: {names:?}\n", a.join("::"), b.join("::")));
                }
            }
        }
    }
    (edges, report)
}

#[test]
fn the_web_crate_s_modules_import_without_loops() {
    let (edges, loops) = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(loops.is_empty(), "{loops}");
    // The reading found what it should: the pages take the state, the jobs dispatcher does not
    // take the subjects whose jobs it runs.
    let module = |m: &str| m.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert!(edges[&module("pages::center")].contains_key(&module("state")));
    assert!(!edges[&module("jobs")].contains_key(&module("booking")));
}

#[test]
fn a_loop_is_found_and_named() {
    let dir = std::env::temp_dir().join(format!("sangdam-structure-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pages")).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod state;\npub mod pages;\n").unwrap();
    std::fs::write(
        dir.join("state.rs"),
        "// crate::pages::Ignored in a comment\npub struct S(crate::pages::hub::Hub);\n",
    )
    .unwrap();
    std::fs::write(dir.join("pages/mod.rs"), "mod hub;\nuse super::state::S;\n").unwrap();
    std::fs::write(dir.join("pages/hub.rs"), "use crate::{state::S, pages};\npub struct Hub;\n").unwrap();
    let (_, loops) = read(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(loops.contains("a loop of 3 modules"), "{loops}");
    assert!(loops.contains("state -> pages::hub: {\"Hub\"}"), "{loops}");
    assert!(loops.contains("pages::hub -> state: {\"S\"}"), "{loops}");
}
