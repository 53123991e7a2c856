//! The one place that parses YAML. Every rule file goes through [`parse`], so replacing
//! `serde_yaml` (archived upstream) with a maintained fork is a change to this file only.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `text` (read from `file`) into `T`, turning syntax and type errors into an
/// [`Error::RuleSyntax`] that points at the line and column.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
    check_shape(text, file)?;
    serde_yaml::from_str(text).map_err(|err| {
        let mut message = clean_message(&err.to_string());
        let (line, column) = match err.location() {
            Some(loc) => (loc.line(), loc.column()),
            None if message.contains("more than one document") => {
                message = "a rules file holds one YAML document, and this one has several; split them into separate files of one folder".into();
                (second_document_line(text).unwrap_or(1), 1)
            }
            None => (1, 1),
        };
        if message.contains("repetition limit exceeded") {
            message = "aliases expand to far too many nodes (a \"billion laughs\" document); write the rules out instead of nesting aliases".into();
        } else if message.contains("recursion limit exceeded") {
            message = "the document nests too deeply; rule files need only a few levels".into();
        }
        Error::RuleSyntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

/// Deepest nesting of collections a rule file may have (the built-in set uses under ten).
const MAX_DEPTH: usize = 64;
/// Largest a rule file may grow to once its aliases are expanded: bytes of scalars plus one a
/// node.
const MAX_EXPANDED: usize = 32 << 20;

/// Checks, from the parser's events and before anything is built, that the document nests at
/// most [`MAX_DEPTH`] levels and that its aliases do not expand it past [`MAX_EXPANDED`] (a
/// megabyte string aliased thousands of times, or nested aliases). Syntax errors are left to
/// the full parse, which reports them with their place.
fn check_shape(text: &str, file: &str) -> Result<(), Error> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut expanded = 0usize;
    // Open collections: (anchor id, expanded size when it opened).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let fail = |mark: yaml_rust2::scanner::Marker, message: &str| Error::RuleSyntax {
        file: file.to_string(),
        line: mark.line(),
        column: mark.col() + 1,
        message: message.to_string(),
    };
    loop {
        let Ok((event, mark)) = parser.next_token() else {
            return Ok(());
        };
        match event {
            Event::StreamEnd => return Ok(()),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, expanded));
                expanded += 1;
                if open.len() > MAX_DEPTH {
                    return Err(fail(
                        mark,
                        &format!(
                            "the document nests more than {MAX_DEPTH} levels deep; rule files need only a few levels"
                        ),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop()
                    && anchor > 0
                {
                    anchors.insert(anchor, expanded - start);
                }
            }
            Event::Scalar(value, _, anchor, _) => {
                let size = value.len() + 1;
                expanded += size;
                if anchor > 0 {
                    anchors.insert(anchor, size);
                }
            }
            Event::Alias(id) => expanded += anchors.get(&id).copied().unwrap_or(1),
            _ => {}
        }
        if expanded > MAX_EXPANDED {
            return Err(fail(
                mark,
                &format!(
                    "aliases expand the document past {} MiB (a \"billion laughs\" document); write the rules out instead of repeating aliases",
                    MAX_EXPANDED >> 20
                ),
            ));
        }
    }
}

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
    /// A scalar or an alias; `true` when it is null (empty, `~` or `null`).
    Leaf(bool),
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
            Event::Alias(_) => self.attach(Tree::Leaf(false), mark, None),
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
        Tree::Leaf(_) => {}
    }
}
