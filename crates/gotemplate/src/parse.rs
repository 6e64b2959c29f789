//! The parser: Go's `text/template/parse` recursive descent, with its three-token lookahead,
//! variable scoping, parse-time function check and error texts.

use std::rc::Rc;
use std::sync::Arc;

use crate::error::Error;
use crate::lex::{Item, ItemType, Lexer};
use crate::literal;
use crate::node::{
    Arg, Branch, Command, List, Names, Node, Number, Pipe, Span, TemplateCall, Tree,
};
use crate::template::Funcs;

/// Names of Go's builtin functions (the parse-time function check accepts them).
pub(crate) const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Go caps a single pipeline at this many commands.
const MAX_PIPELINE_CMDS: usize = 100_000;

/// A parse failure, turned into an `Error` with the location at the top level.
struct Fail {
    line: u32,
    pos: u32,
    message: String,
}

type PResult<T> = Result<T, Box<Fail>>;

/// What an action parsed to: a node, or an `{{end}}` / `{{else}}` closing a list.
enum Parsed {
    Node(Node),
    End,
    Else,
}

struct Parser<'a> {
    src: &'a str,
    lex: Lexer<'a>,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<&'a str>,
    funcs: &'a Funcs,
    action_line: u32,
    range_depth: usize,
    depth: usize,
    max_depth: usize,
    parse_name: Rc<str>,
    source: Arc<String>,
    /// Trees of this parse, in definition order (Go's `treeSet`).
    trees: Vec<Tree>,
    /// The nodes, commands and operands of the lists, pipelines and commands being parsed,
    /// innermost last: each is moved out into a slice of its final size when it ends (a
    /// nested one ends first), instead of every list growing its own vector.
    nodes: Vec<Node>,
    cmds: Vec<Command>,
    args: Vec<Arg>,
}

/// Parses `source` as template `name`; returns every tree it defines, the top-level one last.
pub(crate) fn parse(
    name: &str,
    source: Arc<String>,
    funcs: &Funcs,
    max_depth: usize,
) -> Result<Vec<Tree>, Error> {
    let src: &str = &source;
    let has = |n: &str| funcs.contains(n) || BUILTINS.contains(&n);
    let lex = Lexer::new(src, !has("break"), !has("continue"));
    let empty = Item {
        typ: ItemType::Eof,
        pos: 0,
        end: 0,
        line: 1,
    };
    let parse_name: Rc<str> = Rc::from(name);
    let mut p = Parser {
        src,
        lex,
        token: [empty; 3],
        peek_count: 0,
        vars: vec!["$"],
        funcs,
        action_line: 0,
        range_depth: 0,
        depth: 0,
        max_depth,
        parse_name: parse_name.clone(),
        source: source.clone(),
        trees: Vec::new(),
        nodes: Vec::new(),
        cmds: Vec::new(),
        args: Vec::new(),
    };
    match p.parse_top() {
        Ok(root) => {
            let tree = Tree {
                name: parse_name.clone(),
                parse_name,
                source: source.clone(),
                root,
            };
            if let Err(f) = p.add(tree) {
                return Err(p.to_error(&f));
            }
            Ok(p.trees)
        }
        Err(f) => Err(p.to_error(&f)),
    }
}

fn span(item: &Item) -> Span {
    Span {
        start: item.pos,
        end: item.end,
    }
}

impl<'a> Parser<'a> {
    fn to_error(&self, f: &Fail) -> Error {
        let before = self.src.get(..f.pos as usize).unwrap_or("");
        let column = match before.rfind('\n') {
            Some(i) => before.len() - i - 1,
            None => before.len(),
        };
        Error::parse(&self.parse_name, f.line as usize, column, f.message.clone())
    }

    fn text(&self, item: &Item) -> &'a str {
        span(item).text(self.src)
    }

    fn errorf<T>(&self, message: String) -> PResult<T> {
        Err(Box::new(Fail {
            line: self.token[0].line,
            pos: self.token[0].pos,
            message,
        }))
    }

    // Token stream with Go's lookahead discipline.

    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        // The grammar never backs up more than three tokens; stay in bounds regardless.
        self.token
            .get(self.peek_count)
            .copied()
            .unwrap_or(self.token[0])
    }

    fn backup(&mut self) {
        self.peek_count = (self.peek_count + 1).min(self.token.len());
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if let Some(t) = self
            .peek_count
            .checked_sub(1)
            .and_then(|i| self.token.get(i))
        {
            return *t;
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token[0]
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    /// Go's `item.String()`.
    fn describe(&self, item: &Item) -> String {
        match item.typ {
            ItemType::Eof => "EOF".into(),
            ItemType::Error => self.lex.error.clone(),
            t if t > ItemType::Keyword => format!("<{}>", self.text(item)),
            _ => {
                let val = self.text(item);
                if val.len() > 10 {
                    let short: String = val.chars().take(10).collect();
                    format!("{}...", crate::gofmt::quote(&short))
                } else {
                    crate::gofmt::quote(val)
                }
            }
        }
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn unexpected<T>(&self, item: &Item, context: &str) -> PResult<T> {
        if item.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if self.lex.error.ends_with(" action") {
                    extra = extra.replacen(" in action", "", 1);
                }
            }
            return self.errorf(format!("{}{}", self.lex.error, extra));
        }
        self.errorf(format!("unexpected {} in {}", self.describe(item), context))
    }

    fn has_function(&self, name: &str) -> bool {
        self.funcs.contains(name) || BUILTINS.contains(&name)
    }

    /// Go's `Tree.add`: a name may be defined once per parse unless a definition is empty.
    fn add(&mut self, tree: Tree) -> PResult<()> {
        match self.trees.iter().position(|t| t.name == tree.name) {
            None => self.trees.push(tree),
            Some(i) => {
                let existing_empty = self.trees.get(i).is_none_or(Tree::is_empty);
                if existing_empty {
                    if let Some(slot) = self.trees.get_mut(i) {
                        *slot = tree;
                    }
                } else if !tree.is_empty() {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        crate::gofmt::quote(&tree.name)
                    ));
                }
            }
        }
        Ok(())
    }

    fn enter(&mut self) -> PResult<()> {
        if self.depth >= self.max_depth {
            return self.errorf("max expression depth exceeded".into());
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // Grammar.

    fn parse_top(&mut self) -> PResult<List> {
        let mark = self.nodes.len();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => self.nodes.push(n),
                Parsed::End => return self.errorf("unexpected {{end}}".into()),
                Parsed::Else => return self.errorf("unexpected {{else}}".into()),
            }
        }
        Ok(self.list_from(mark))
    }

    fn list_from(&mut self, mark: usize) -> List {
        List {
            nodes: self.nodes.drain(mark..).collect(),
        }
    }

    /// Runs `f` as a separate template body: fresh variables (`$` only), no enclosing range.
    fn in_new_tree<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let action_line = std::mem::replace(&mut self.action_line, 0);
        let r = f(self);
        self.vars = vars;
        self.range_depth = range_depth;
        self.action_line = action_line;
        r
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        self.in_new_tree(|p| {
            let name_item = p.next_non_space();
            if !matches!(name_item.typ, ItemType::String | ItemType::RawString) {
                return p.unexpected(&name_item, CONTEXT);
            }
            let name = match literal::unquote(p.text(&name_item)) {
                Ok(n) => n,
                Err(e) => return p.errorf(e),
            };
            p.expect(ItemType::RightDelim, CONTEXT)?;
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {}", describe_end(&end), CONTEXT));
            }
            let tree = Tree {
                name: Rc::from(&*name),
                parse_name: p.parse_name.clone(),
                source: p.source.clone(),
                root,
            };
            p.add(tree)
        })
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        self.peek_non_space();
        let mark = self.nodes.len();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => self.nodes.push(n),
                end => return Ok((self.list_from(mark), end)),
            }
        }
        self.errorf("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                pos: token.pos,
                text: span(&token),
            })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control(),
            ItemType::Break => return self.break_control(token.pos, "{{break}}"),
            ItemType::Continue => return self.break_control(token.pos, "{{continue}}"),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control("if").map(|b| Parsed::Node(Node::If(b))),
            ItemType::Range => {
                return self
                    .branch_control("range")
                    .map(|b| Parsed::Node(Node::Range(b)));
            }
            ItemType::Template => return self.template_control(),
            ItemType::With => {
                return self
                    .branch_control("with")
                    .map(|b| Parsed::Node(Node::With(b)));
            }
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(Box::new(pipe), token.pos)))
    }

    fn break_control(&mut self, pos: u32, what: &str) -> PResult<Parsed> {
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, what);
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{what} outside {{{{range}}}}"));
        }
        Ok(Parsed::Node(if what == "{{break}}" {
            Node::Break(pos)
        } else {
            Node::Continue(pos)
        }))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if matches!(peek.typ, ItemType::If | ItemType::With) {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")
            .map(|_| Parsed::Else)
    }

    fn branch_control(&mut self, context: &str) -> PResult<Box<Branch>> {
        self.enter()?;
        let mark = self.vars.len();
        let r = self.parse_control(context);
        self.vars.truncate(mark);
        self.leave();
        r
    }

    fn parse_control(&mut self, context: &str) -> PResult<Box<Branch>> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let is_range = context == "range";
        if is_range {
            self.range_depth += 1;
        }
        let listed = self.item_list();
        if is_range {
            self.range_depth -= 1;
        }
        let (list, next) = listed?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else => {
                // "{{else if}}" and "{{else with}}" nest a branch that ends at the same {{end}}.
                let pending = self.peek().typ;
                if context == "if" && pending == ItemType::If {
                    self.next();
                    let inner = self.branch_control("if")?;
                    else_list = Some(List {
                        nodes: Box::new([Node::If(inner)]),
                    });
                } else if context == "with" && pending == ItemType::With {
                    self.next();
                    let inner = self.branch_control("with")?;
                    else_list = Some(List {
                        nodes: Box::new([Node::With(inner)]),
                    });
                } else {
                    let (l, end) = self.item_list()?;
                    if !matches!(end, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", describe_end(&end)));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => {}
        }
        Ok(Box::new(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        }))
    }

    fn block_control(&mut self) -> PResult<Parsed> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        self.enter()?;
        let r = self.in_new_tree(|p| {
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {}", describe_end(&end), CONTEXT));
            }
            p.add(Tree {
                name: name.clone(),
                parse_name: p.parse_name.clone(),
                source: p.source.clone(),
                root,
            })
        });
        self.leave();
        r?;
        Ok(Parsed::Node(Node::Template(Box::new(TemplateCall {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        }))))
    }

    fn template_control(&mut self) -> PResult<Parsed> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Parsed::Node(Node::Template(Box::new(TemplateCall {
            pos: token.pos,
            name,
            pipe,
        }))))
    }

    fn parse_template_name(&mut self, token: &Item, context: &str) -> PResult<Rc<str>> {
        match token.typ {
            ItemType::String | ItemType::RawString => match literal::unquote(self.text(token)) {
                Ok(s) => Ok(Rc::from(&*s)),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Box::default(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // "$x foo" needs three tokens of lookahead to tell an argument from a declaration.
            let token_after_variable = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(span(&v));
                    self.vars.push(self.text(&v));
                }
                ItemType::Char if self.text(&next) == "," => {
                    self.next_non_space();
                    pipe.decl.push(span(&v));
                    self.vars.push(self.text(&v));
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue;
                            }
                            _ => return self.errorf("range can only initialize variables".into()),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                }
                _ if token_after_variable.typ == ItemType::Space => {
                    self.backup3(v, token_after_variable);
                }
                _ => self.backup2(v),
            }
            break;
        }
        let mark = self.cmds.len();
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(mark, context)?;
                    pipe.cmds = self.cmds.drain(mark..).collect();
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    self.cmds.push(cmd);
                    if self.cmds.len() - mark > MAX_PIPELINE_CMDS {
                        return self.errorf("pipeline too long".into());
                    }
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    /// Checks the pipeline whose commands are those from `mark` on.
    fn check_pipeline(&self, mark: usize, context: &str) -> PResult<()> {
        let cmds = self.cmds.get(mark..).unwrap_or_default();
        if cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(_) | Arg::String { .. }
                )
            ) {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mark = self.args.len();
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                self.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if self.args.len() == mark {
            return self.errorf("empty command".into());
        }
        Ok(Command {
            pos,
            args: self.args.drain(mark..).collect(),
        })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        Ok(Some(match node {
            // `.A.B.C` and `$x.A.B` (most operands of a template): the names extend the term's.
            Arg::Field { idents, .. } => Arg::Field {
                pos: chain_pos,
                idents: self.chain_fields(idents.0),
            },
            Arg::Variable { idents, .. } => Arg::Variable {
                pos: chain_pos,
                idents: self.chain_fields(idents.0),
            },
            Arg::Bool(..) | Arg::String { .. } | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                // Go reports the error after reading the fields.
                self.chain_fields(Span { start: 0, end: 0 });
                let mut s = String::new();
                crate::node::Render { src: self.src }.arg(&node, &mut s);
                return self.errorf(format!(
                    "unexpected . after term {}",
                    crate::gofmt::quote(&s)
                ));
            }
            other => {
                let first = self.peek();
                let fields = self.chain_fields(Span {
                    start: first.pos + 1,
                    end: first.pos + 1,
                });
                Arg::Chain {
                    pos: chain_pos,
                    node: Box::new(other),
                    fields,
                }
            }
        }))
    }

    /// Reads the `.Name` items that follow a term, extending `names` (their span) over them.
    /// The items are contiguous: any gap between them would have been a space item.
    fn chain_fields(&mut self, names: Span) -> Names {
        let mut end = names.end;
        while self.peek().typ == ItemType::Field {
            end = self.next().end;
        }
        Names(Span {
            start: names.start,
            end,
        })
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        let arg = match token.typ {
            ItemType::Identifier => {
                let name = self.text(&token);
                if !self.has_function(name) {
                    return self.errorf(format!(
                        "function {} not defined",
                        crate::gofmt::quote(name)
                    ));
                }
                Arg::Identifier {
                    pos,
                    name: span(&token),
                }
            }
            ItemType::Dot => Arg::Dot(pos),
            ItemType::Nil => Arg::Nil(pos),
            ItemType::Variable => {
                let name = self.text(&token);
                if !self.vars.contains(&name) {
                    return self
                        .errorf(format!("undefined variable {}", crate::gofmt::quote(name)));
                }
                Arg::Variable {
                    pos,
                    idents: Names(span(&token)),
                }
            }
            ItemType::Field => Arg::Field {
                pos,
                idents: Names(Span {
                    start: token.pos + 1,
                    end: token.end,
                }),
            },
            ItemType::Bool => Arg::Bool(pos, self.text(&token) == "true"),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let text = self.text(&token);
                let parsed = if token.typ == ItemType::CharConstant {
                    literal::parse_char(text)
                } else {
                    literal::parse_number(text)
                };
                let n = match parsed {
                    Ok(n) => n,
                    Err(e) => return self.errorf(e),
                };
                Arg::Number(Box::new(Number {
                    pos,
                    text: span(&token),
                    is_int: n.is_int,
                    is_uint: n.is_uint,
                    is_float: n.is_float,
                    int: n.int,
                    float: n.float,
                }))
            }
            ItemType::LeftParen => {
                self.enter()?;
                let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.leave();
                Arg::Pipe(Box::new(pipe?))
            }
            ItemType::String | ItemType::RawString => match literal::unquote(self.text(&token)) {
                Ok(s) => Arg::String {
                    pos,
                    quoted: span(&token),
                    value: Rc::from(&*s),
                },
                Err(e) => return self.errorf(e),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

fn describe_end(p: &Parsed) -> &'static str {
    match p {
        Parsed::End => "{{end}}",
        Parsed::Else => "{{else}}",
        Parsed::Node(_) => "node",
    }
}
