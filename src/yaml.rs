//! The one place that parses YAML. Every rule file goes through [`parse`], so replacing
//! `serde_yaml` (archived upstream) with a maintained fork is a change to this file only.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `text` (read from `file`) into `T`, turning syntax and type errors into an
/// [`Error::RuleSyntax`] that points at the line and column. What serde_yaml would refuse
/// without a place (several documents, alias bombs, deep nesting) is found first, from the
/// parser's events, with its place.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
    check_shape(text, file)?;
    serde_yaml::from_str(text).map_err(|err| {
        let (line, column, message) = match (err.location(), second_document_line(text)) {
            (Some(loc), _) => (loc.line(), loc.column(), clean_message(&err.to_string())),
            // The event pass stops at what its parser refuses and serde_yaml's takes (a tab
            // after a colon): a second document is then found by its marker line.
            (None, Some(line)) => (line, 1, SEVERAL_DOCUMENTS.to_string()),
            (None, None) => (1, 1, clean_message(&err.to_string())),
        };
        Error::RuleSyntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

/// What a rules file with more than one YAML document is told.
const SEVERAL_DOCUMENTS: &str = "a rules file holds one YAML document, and this one has several; split them into separate files of one folder";

/// The line of the `---` or `...` marker that ends the first document with content.
fn second_document_line(text: &str) -> Option<usize> {
    let mut seen_content = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if line.starts_with("---") || line.starts_with("...") {
            if seen_content {
                return Some(i + 1);
            }
            // Content on the marker's own line ("--- value") belongs to the document it opens.
            seen_content = line.starts_with("---")
                && !line[3..].trim().is_empty()
                && !line[3..].trim_start().starts_with('#');
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') && !line.starts_with('%') {
            seen_content = true;
        }
    }
    None
}

/// Deepest nesting of collections a rule file may have (the built-in set uses under ten).
const MAX_DEPTH: usize = 64;
/// Largest a rule file may grow to once its aliases are expanded: bytes of scalars plus one a
/// node.
const MAX_EXPANDED: usize = 32 << 20;

/// Checks, from the parser's events and before anything is built, that the text is one
/// document, that it nests at most [`MAX_DEPTH`] levels (aliases expanded), and that its aliases
/// do not expand it past [`MAX_EXPANDED`] (a megabyte string aliased thousands of times, or
/// nested aliases) nor make serde_yaml follow more than about [`MAX_JUMPS_PER_EVENT`] aliases an
/// event. Syntax errors are left to the full parse, which reports them with their place.
fn check_shape(text: &str, file: &str) -> Result<(), Error> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut shape = Shape::default();
    let mut last_alias = None;
    let fail = |mark: yaml_rust2::scanner::Marker, message: String| Error::RuleSyntax {
        file: file.to_string(),
        line: mark.line(),
        column: mark.col() + 1,
        message,
    };
    loop {
        let Ok((event, mark)) = parser.next_token() else {
            return Ok(());
        };
        shape.events += 1;
        match event {
            // serde_yaml counts the aliases it follows against the whole document.
            Event::StreamEnd if shape.jumps > shape.events * MAX_JUMPS_PER_EVENT => {
                return Err(fail(last_alias.unwrap_or(mark), bomb()));
            }
            Event::StreamEnd => return Ok(()),
            Event::DocumentStart => {
                shape.documents += 1;
                if shape.documents > 1 {
                    return Err(fail(mark, SEVERAL_DOCUMENTS.into()));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                shape.open(anchor);
            }
            Event::SequenceEnd | Event::MappingEnd => shape.close(),
            Event::Scalar(value, _, anchor, _) => shape.scalar(value.len(), anchor),
            Event::Alias(id) => {
                shape.alias(id);
                last_alias = Some(mark);
            }
            _ => {}
        }
        if shape.deepest > MAX_DEPTH {
            return Err(fail(
                mark,
                format!(
                    "the document nests more than {MAX_DEPTH} levels deep; rule files need only a few levels"
                ),
            ));
        }
        if shape.expanded > MAX_EXPANDED {
            return Err(fail(mark, bomb()));
        }
    }
}

/// Whether `text` is good YAML of a sane shape: it passes the checks of [`parse`] that come
/// before serde_yaml (one document, nesting, aliases) and serde_yaml reads it as a plain YAML
/// value (so a failure to read it as a rule file is about keys, types and values, and the
/// text may be walked as a tree).
pub(crate) fn is_good_yaml(text: &str) -> bool {
    check_shape(text, "").is_ok() && serde_yaml::from_str::<serde_yaml::Value>(text).is_ok()
}

/// What a document whose aliases expand too far is told.
fn bomb() -> String {
    format!(
        "aliases expand the document past {} MiB or into far too many nodes (a \"billion laughs\" document); write the rules out instead of repeating aliases",
        MAX_EXPANDED >> 20
    )
}

/// Most aliases serde_yaml follows per event of the document before it refuses it (its
/// repetition limit, counted here from the events as it counts them as far as they tell): a
/// document over it is refused with the place of its last alias instead of serde_yaml's
/// message without a place.
const MAX_JUMPS_PER_EVENT: usize = 100;

/// The size of a document as it is read, aliases expanded.
#[derive(Default)]
struct Shape {
    /// Events read.
    events: usize,
    /// Documents begun.
    documents: usize,
    /// Bytes of scalars plus one a node, aliases expanded.
    expanded: usize,
    /// Aliases followed, those inside aliased nodes included.
    jumps: usize,
    /// The deepest nesting reached, aliases expanded.
    deepest: usize,
    /// The open collections, outermost first.
    open: Vec<Open>,
    /// Each anchor's expanded size, the aliases inside it, and how many levels it spans.
    anchors: std::collections::HashMap<usize, (usize, usize, usize)>,
}

/// A collection being read.
struct Open {
    anchor: usize,
    /// `expanded` and `jumps` when it opened.
    size: usize,
    jumps: usize,
    /// The deepest level reached inside it so far (its own level at first).
    reached: usize,
}

impl Shape {
    fn open(&mut self, anchor: usize) {
        let level = self.open.len() + 1;
        self.open.push(Open {
            anchor,
            size: self.expanded,
            jumps: self.jumps,
            reached: level,
        });
        self.expanded += 1;
        self.deepest = self.deepest.max(level);
    }

    fn close(&mut self) {
        let level = self.open.len();
        let Some(node) = self.open.pop() else { return };
        if node.anchor > 0 {
            // The levels the node spans, itself included: what an alias of it adds.
            self.anchors.insert(
                node.anchor,
                (
                    self.expanded - node.size,
                    self.jumps - node.jumps,
                    node.reached + 1 - level,
                ),
            );
        }
        self.reach(node.reached);
    }

    fn scalar(&mut self, len: usize, anchor: usize) {
        self.expanded += len + 1;
        if anchor > 0 {
            self.anchors.insert(anchor, (len + 1, 0, 0));
        }
    }

    fn alias(&mut self, id: usize) {
        let (size, jumps, levels) = self.anchors.get(&id).copied().unwrap_or((1, 0, 0));
        self.expanded += size;
        self.jumps += 1 + jumps;
        self.reach(self.open.len() + levels);
    }

    /// Notes that the innermost open collection reaches `level`.
    fn reach(&mut self, level: usize) {
        self.deepest = self.deepest.max(level);
        if let Some(parent) = self.open.last_mut() {
            parent.reached = parent.reached.max(level);
        }
    }
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so drop it from the text.
fn clean_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Where a node starts in a YAML text (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub line: usize,
    pub column: usize,
}

/// A YAML document with the position of every key and item, for pointing at problems. Aliases
/// are kept as leaves, never expanded.
#[derive(Debug, Clone)]
pub(crate) enum Tree {
    Map(Vec<(String, Mark, Tree)>),
    Seq(Vec<(Mark, Tree)>),
    /// A scalar; `true` when it is null (empty, `~` or `null`).
    Leaf(bool),
    /// An alias, whose shape is that of its anchor: never said to be of the wrong shape.
    Alias,
}

enum Frame {
    Map(Vec<(String, Mark, Tree)>, Option<(String, Mark)>, Mark),
    Seq(Vec<(Mark, Tree)>, Mark),
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    root: Option<Tree>,
}

impl TreeBuilder {
    fn attach(&mut self, node: Tree, mark: Mark, key_text: Option<String>) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(items, _)) => items.push((mark, node)),
            Some(Frame::Map(entries, pending, _)) => match pending.take() {
                Some((key, key_mark)) => entries.push((key, key_mark, node)),
                None => *pending = Some((key_text.unwrap_or_default(), mark)),
            },
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, event: yaml_rust2::parser::Event, marker: yaml_rust2::scanner::Marker) {
        use yaml_rust2::parser::Event;
        let mark = Mark {
            line: marker.line(),
            column: marker.col() + 1,
        };
        match event {
            Event::MappingStart(..) => self.stack.push(Frame::Map(Vec::new(), None, mark)),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new(), mark)),
            Event::MappingEnd => {
                if let Some(Frame::Map(entries, _, start)) = self.stack.pop() {
                    self.attach(Tree::Map(entries), start, None);
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, start)) = self.stack.pop() {
                    self.attach(Tree::Seq(items), start, None);
                }
            }
            Event::Scalar(text, ..) => {
                let null = matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                self.attach(Tree::Leaf(null), mark, Some(text))
            }
            Event::Alias(_) => self.attach(Tree::Alias, mark, None),
            _ => {}
        }
    }
}

/// The positioned tree of the first document of `text`, or `None` if it does not parse.
pub(crate) fn tree(text: &str) -> Option<Tree> {
    let mut builder = TreeBuilder::default();
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    parser.load(&mut builder, false).ok()?;
    builder.root
}

/// The position named by a path such as `rules[3].when.all[1].has_any[0]`: the key for a map
/// step, the item for a sequence step. Stops at the deepest step that exists.
pub(crate) fn locate(tree: &Tree, path: &str) -> Option<Mark> {
    let mut node = tree;
    let mut found = None;
    for step in path.split('.') {
        let (key, indices) = match step.find('[') {
            Some(i) => (&step[..i], &step[i..]),
            None => (step, ""),
        };
        if !key.is_empty() {
            let Tree::Map(entries) = node else { break };
            let Some((_, mark, value)) = entries.iter().find(|(k, _, _)| k == key) else {
                break;
            };
            found = Some(*mark);
            node = value;
        }
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            let (Tree::Seq(items), Ok(i)) = (node, index.parse::<usize>()) else {
                return found;
            };
            let Some((mark, value)) = items.get(i) else {
                return found;
            };
            found = Some(*mark);
            node = value;
        }
    }
    found
}

/// A place where the tree does not fit the schema.
pub(crate) struct Misfit {
    pub path: String,
    pub mark: Mark,
    pub kind: MisfitKind,
}

pub(crate) enum MisfitKind {
    /// A key the schema does not allow here; `known` are the allowed ones.
    UnknownKey { key: String, known: Vec<String> },
    /// A value of the wrong shape: a list, a map or a single value.
    WrongShape {
        expected: &'static str,
        found: &'static str,
    },
}

/// Every key of `tree` that the JSON Schema `schema` does not allow, and every value of the
/// wrong shape (it follows `$ref`, `properties`, `items` and `anyOf`/`oneOf`).
pub(crate) fn misfits(tree: &Tree, schema: &serde_json::Value) -> Vec<Misfit> {
    let mut out = Vec::new();
    walk(
        tree,
        Mark { line: 1, column: 1 },
        schema,
        schema,
        "",
        &mut out,
    );
    out
}

/// The JSON types a schema allows (following `$ref` and alternatives); empty means any.
fn allowed_types(
    root: &serde_json::Value,
    schema: &serde_json::Value,
    out: &mut Vec<String>,
    depth: usize,
) {
    let schema = resolve(root, schema);
    if depth > 16 {
        return;
    }
    match schema.get("type") {
        Some(serde_json::Value::String(t)) => out.push(t.clone()),
        Some(serde_json::Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(|t| t.as_str().map(String::from)))
        }
        _ => {}
    }
    if schema.get("enum").is_some() || schema.get("const").is_some() {
        out.push("string".into());
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for alt in schema
            .get(key)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            allowed_types(root, alt, out, depth + 1);
        }
    }
}

fn shape_misfit(
    node: &Tree,
    schema: &serde_json::Value,
    root: &serde_json::Value,
) -> Option<MisfitKind> {
    let mut types = Vec::new();
    allowed_types(root, schema, &mut types, 0);
    if types.is_empty() {
        return None;
    }
    let has = |t: &str| types.iter().any(|x| x == t);
    let found = match node {
        Tree::Map(_) if !has("object") => "a map",
        Tree::Seq(_) if !has("array") => "a list",
        Tree::Leaf(null)
            if !types.iter().any(|t| {
                matches!(t.as_str(), "string" | "boolean" | "number" | "integer")
                    || (*null && t == "null")
            }) =>
        {
            "a single value"
        }
        _ => return None,
    };
    let expected = if has("array") {
        "a list"
    } else if has("object") {
        "a map of keys"
    } else {
        "a single value"
    };
    Some(MisfitKind::WrongShape { expected, found })
}

fn resolve<'s>(
    root: &'s serde_json::Value,
    mut schema: &'s serde_json::Value,
) -> &'s serde_json::Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) else {
            break;
        };
        let Some(target) = reference
            .strip_prefix("#/")
            .and_then(|p| root.pointer(&format!("/{p}")))
        else {
            break;
        };
        schema = target;
    }
    schema
}

/// The alternative of an `anyOf`/`oneOf` that describes a map (`want_map`) or a list.
fn pick<'s>(
    root: &'s serde_json::Value,
    schema: &'s serde_json::Value,
    want_map: bool,
) -> Option<&'s serde_json::Value> {
    let schema = resolve(root, schema);
    let key = if want_map { "properties" } else { "items" };
    if schema.get(key).is_some() {
        return Some(schema);
    }
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(|v| v.as_array()))
        .flatten()
        .find_map(|alt| pick(root, alt, want_map))
}

fn walk(
    node: &Tree,
    mark: Mark,
    schema: &serde_json::Value,
    root: &serde_json::Value,
    path: &str,
    out: &mut Vec<Misfit>,
) {
    if let Some(kind) = shape_misfit(node, schema, root) {
        out.push(Misfit {
            path: path.to_string(),
            mark,
            kind,
        });
        return;
    }
    match node {
        Tree::Map(entries) => {
            let Some(schema) = pick(root, schema, true) else {
                return;
            };
            let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
                return;
            };
            for (key, key_mark, value) in entries {
                // An empty key (`: value`) still needs a visible name in the path.
                let shown = if key.is_empty() { "\"\"" } else { key.as_str() };
                let here = if path.is_empty() {
                    shown.to_string()
                } else {
                    format!("{path}.{shown}")
                };
                match properties.get(key) {
                    Some(sub) => walk(value, *key_mark, sub, root, &here, out),
                    None => out.push(Misfit {
                        path: here,
                        mark: *key_mark,
                        kind: MisfitKind::UnknownKey {
                            key: key.clone(),
                            known: properties.keys().cloned().collect(),
                        },
                    }),
                }
            }
        }
        Tree::Seq(items) => {
            let Some(schema) = pick(root, schema, false) else {
                return;
            };
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            for (i, (item_mark, value)) in items.iter().enumerate() {
                walk(
                    value,
                    *item_mark,
                    item_schema,
                    root,
                    &format!("{path}[{i}]"),
                    out,
                );
            }
        }
        Tree::Leaf(_) | Tree::Alias => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> (usize, usize, String) {
        match check_shape(text, "t.yaml") {
            Err(Error::RuleSyntax {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_second_document_is_refused_where_it_starts() {
        let (line, _, message) = refused("a: 1\nb: 2\n---\nc: 3\n");
        assert_eq!(line, 3);
        assert!(message.contains("one YAML document"), "{message}");
        assert!(check_shape("---\na: 1\n...\n", "t.yaml").is_ok());
    }

    #[test]
    fn aliases_that_multiply_are_refused_before_serde_yaml_sees_them() {
        // Ten aliases of ten aliases of ...: few events, a great many jumps.
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..7 {
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        let (line, _, message) = refused(&text);
        assert!(message.contains("billion laughs"), "{message}");
        assert!(line > 1);
        // A few aliases are fine.
        assert!(check_shape("a: &a [x, y]\nb: [*a, *a]\n", "t.yaml").is_ok());
    }

    #[test]
    fn nesting_counts_what_aliases_add() {
        let deep = format!("a: &a {}{}\n", "[".repeat(40), "]".repeat(40));
        assert!(check_shape(&deep, "t.yaml").is_ok());
        // An alias of a 40-level node inside 30 levels: 70 in all.
        let nested = format!("{deep}b: {}*a{}\n", "[".repeat(30), "]".repeat(30));
        let (line, _, message) = refused(&nested);
        assert_eq!(line, 2);
        assert!(message.contains("nests more than"), "{message}");
    }

    #[test]
    fn a_second_document_after_a_line_the_event_parser_refuses_is_still_named() {
        // yaml-rust2 refuses a tab after a colon, serde_yaml takes it: the event pass stops
        // there, and the second document is found by its marker.
        let err = parse::<serde_yaml::Value>(
            "ruleset:\n  name:\tx\n  version: \"1\"\n---\nvocabulary: {}\n",
            "t.yaml",
        )
        .unwrap_err();
        let Error::RuleSyntax { line, message, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 4);
        assert!(message.contains("one YAML document"), "{message}");
    }

    #[test]
    fn good_yaml_is_told_from_bad() {
        assert!(is_good_yaml("a: &x [1, 2]\nb: *x\n"));
        assert!(!is_good_yaml("a: [1, 2\n"));
        assert!(!is_good_yaml("a: 1\n---\nb: 2\n"));
    }

    #[test]
    fn syntax_errors_keep_their_place() {
        let err = parse::<serde_yaml::Value>("a: [1, 2\nb: 3\n", "t.yaml").unwrap_err();
        let Error::RuleSyntax { line, message, .. } = err else {
            panic!("{err:?}")
        };
        assert!(
            line >= 1 && !message.contains(" at line "),
            "{line} {message}"
        );
    }
}
