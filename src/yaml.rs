//! The one place that parses YAML. Every rule file goes through [`parse`], so replacing
//! `serde_yaml` (archived upstream) with a maintained fork is a change to this file only.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `text` (read from `file`) into `T`, turning syntax and type errors into an
/// [`Error::RuleSyntax`] that points at the line and column.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
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
        Error::RuleSyntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
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
    Leaf,
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
            Event::Scalar(text, ..) => self.attach(Tree::Leaf, mark, Some(text)),
            Event::Alias(_) => self.attach(Tree::Leaf, mark, None),
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

/// A key the schema does not allow at its place.
pub(crate) struct UnknownKey {
    pub path: String,
    pub key: String,
    pub mark: Mark,
    pub known: Vec<String>,
}

/// Every key of `tree` that the JSON Schema `schema` does not allow (it follows `$ref`,
/// `properties`, `items` and the `anyOf`/`oneOf` of optional fields).
pub(crate) fn unknown_keys(tree: &Tree, schema: &serde_json::Value) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(tree, schema, schema, "", &mut out);
    out
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
    schema: &serde_json::Value,
    root: &serde_json::Value,
    path: &str,
    out: &mut Vec<UnknownKey>,
) {
    match node {
        Tree::Map(entries) => {
            let Some(schema) = pick(root, schema, true) else {
                return;
            };
            let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
                return;
            };
            for (key, mark, value) in entries {
                // An empty key (`: value`) still needs a visible name in the path.
                let shown = if key.is_empty() { "\"\"" } else { key.as_str() };
                let here = if path.is_empty() {
                    shown.to_string()
                } else {
                    format!("{path}.{shown}")
                };
                match properties.get(key) {
                    Some(sub) => walk(value, sub, root, &here, out),
                    None => out.push(UnknownKey {
                        path: here,
                        key: key.clone(),
                        mark: *mark,
                        known: properties.keys().cloned().collect(),
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
            for (i, (_, value)) in items.iter().enumerate() {
                walk(value, item_schema, root, &format!("{path}[{i}]"), out);
            }
        }
        Tree::Leaf => {}
    }
}
