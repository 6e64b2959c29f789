//! The parse tree (Go's `parse.Node` family).
//!
//! Text and names are byte spans of the template source, which each `Tree` holds once, so the
//! tree costs no allocation per identifier or text run. Every node keeps Go's position (byte
//! offset), which exec errors turn into `line:col`, and can print itself as Go's `String()`
//! does, for the `at <...>` context of exec errors.

use std::rc::Rc;
use std::sync::Arc;

/// A byte range of the template source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn text(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// One parsed template: `{{define}}`d, `{{block}}`ed or top-level.
pub(crate) struct Tree {
    pub name: Rc<str>,
    /// The name of the top-level template of the parse, used in error locations.
    pub parse_name: Rc<str>,
    /// Shared with the caller where it gave the text as an `Arc` (no copy of it).
    pub source: Arc<String>,
    pub root: List,
}

impl Tree {
    /// Go's `IsEmptyTree`: only blank text and comments.
    pub fn is_empty(&self) -> bool {
        self.root.nodes.iter().all(|n| match n {
            Node::Text { text, .. } => text.text(&self.source).trim().is_empty(),
            _ => false,
        })
    }
}

pub(crate) struct List {
    pub nodes: Box<[Node]>,
}

pub(crate) enum Node {
    Text { pos: u32, text: Span },
    Action(Box<Pipe>, u32),
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template(Box<TemplateCall>),
    Break(u32),
    Continue(u32),
}

pub(crate) struct Branch {
    pub pos: u32,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

pub(crate) struct TemplateCall {
    pub pos: u32,
    pub name: Rc<str>,
    pub pipe: Option<Pipe>,
}

pub(crate) struct Pipe {
    pub pos: u32,
    pub is_assign: bool,
    /// Declared or assigned variables (spans of `$name`).
    pub decl: Vec<Span>,
    pub cmds: Box<[Command]>,
}

pub(crate) struct Command {
    pub pos: u32,
    /// Never empty: the parser rejects empty commands.
    pub args: Box<[Arg]>,
}

/// An operand: Go's field, variable, chain, identifier, literal and parenthesised pipeline nodes.
pub(crate) enum Arg {
    /// `.A.B`: the names, dot-separated, without the leading dot ([`Names`]).
    Field {
        pos: u32,
        idents: Names,
    },
    /// `$x.A.B`: the variable name (with `$`) then the field names, dot-separated.
    Variable {
        pos: u32,
        idents: Names,
    },
    /// `(pipe).A.B` or `func.A`: the field names, dot-separated, without the leading dot.
    Chain {
        pos: u32,
        node: Box<Arg>,
        fields: Names,
    },
    Identifier {
        pos: u32,
        name: Span,
    },
    Dot(u32),
    Nil(u32),
    Bool(u32, bool),
    Number(Box<Number>),
    /// A string literal: the quoted source span and the unquoted value.
    String {
        pos: u32,
        quoted: Span,
        value: Rc<str>,
    },
    Pipe(Box<Pipe>),
}

/// The names of a field chain (`A.B.C` of `.A.B.C`, `$x.A` of `$x.A`): Go lexes each `.Name`
/// as an item, but a chain's items always follow one another without a gap (a space would
/// end the operand), so one span of the source holds them all, split at the dots when read.
/// Names never contain a dot. This spares the parse a list per operand, most of a template's
/// operands being fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Names(pub Span);

impl Names {
    /// The first name, and the names after it if there are any.
    pub fn split_first(self, src: &str) -> (&str, Option<Names>) {
        match split_name(self.0.text(src)) {
            (first, Some(_)) => {
                let start = self.0.start + first.len() as u32 + 1;
                (
                    first,
                    Some(Names(Span {
                        start,
                        end: self.0.end,
                    })),
                )
            }
            (first, None) => (first, None),
        }
    }
}

/// `text` up to its first dot, and what follows that dot if there is one. By bytes: names are
/// short, and a search routine's set-up (`memchr`, in wasm without SIMD) costs more than the
/// scan.
pub(crate) fn split_name(text: &str) -> (&str, Option<&str>) {
    match text.bytes().position(|b| b == b'.') {
        Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..)),
        None => (text, None),
    }
}

/// A numeric literal, held under every Go type that can represent it (Go's `NumberNode`).
pub(crate) struct Number {
    pub pos: u32,
    pub text: Span,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub int: i64,
    pub float: f64,
}

impl Arg {
    pub fn pos(&self) -> u32 {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::String { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _) => *pos,
            Arg::Number(n) => n.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

/// Go's `String()` renderings, used only to build error texts.
pub(crate) struct Render<'s> {
    pub src: &'s str,
}

impl Render<'_> {
    pub fn arg(&self, arg: &Arg, out: &mut String) {
        match arg {
            Arg::Field { idents, .. } => {
                out.push('.');
                out.push_str(idents.0.text(self.src));
            }
            Arg::Variable { idents, .. } => out.push_str(idents.0.text(self.src)),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    out.push('(');
                    self.pipe(p, out);
                    out.push(')');
                } else {
                    self.arg(node, out);
                }
                out.push('.');
                out.push_str(fields.0.text(self.src));
            }
            Arg::Identifier { name, .. } => out.push_str(name.text(self.src)),
            Arg::Dot(_) => out.push('.'),
            Arg::Nil(_) => out.push_str("nil"),
            Arg::Bool(_, b) => out.push_str(if *b { "true" } else { "false" }),
            Arg::Number(n) => out.push_str(n.text.text(self.src)),
            Arg::String { quoted, .. } => out.push_str(quoted.text(self.src)),
            Arg::Pipe(p) => self.pipe(p, out),
        }
    }

    pub fn command(&self, cmd: &Command, out: &mut String) {
        for (i, arg) in cmd.args.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if let Arg::Pipe(p) = arg {
                out.push('(');
                self.pipe(p, out);
                out.push(')');
            } else {
                self.arg(arg, out);
            }
        }
    }

    pub fn pipe(&self, pipe: &Pipe, out: &mut String) {
        if !pipe.decl.is_empty() {
            for (i, v) in pipe.decl.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(v.text(self.src));
            }
            // Go prints ":=" for assignments too.
            out.push_str(" := ");
        }
        for (i, c) in pipe.cmds.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            self.command(c, out);
        }
    }

    pub fn list(&self, list: &List, out: &mut String) {
        for n in &list.nodes {
            self.node(n, out);
        }
    }

    pub fn node(&self, node: &Node, out: &mut String) {
        match node {
            Node::Text { text, .. } => out.push_str(text.text(self.src)),
            Node::Action(pipe, _) => {
                out.push_str("{{");
                self.pipe(pipe, out);
                out.push_str("}}");
            }
            Node::If(b) => self.branch("if", b, out),
            Node::Range(b) => self.branch("range", b, out),
            Node::With(b) => self.branch("with", b, out),
            Node::Template(t) => {
                out.push_str("{{template ");
                out.push_str(&crate::gofmt::quote(&t.name));
                if let Some(p) = &t.pipe {
                    out.push(' ');
                    self.pipe(p, out);
                }
                out.push_str("}}");
            }
            Node::Break(_) => out.push_str("{{break}}"),
            Node::Continue(_) => out.push_str("{{continue}}"),
        }
    }

    fn branch(&self, name: &str, b: &Branch, out: &mut String) {
        out.push_str("{{");
        out.push_str(name);
        out.push(' ');
        self.pipe(&b.pipe, out);
        out.push_str("}}");
        self.list(&b.list, out);
        if let Some(e) = &b.else_list {
            out.push_str("{{else}}");
            self.list(e, out);
        }
        out.push_str("{{end}}");
    }
}
