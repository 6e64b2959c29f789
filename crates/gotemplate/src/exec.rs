//! The executor: Go's `exec.go`, walking the tree with a variable stack.
//!
//! It mirrors Go's evaluation order and its notion of the "current node" (`s.at(node)`), so
//! that error texts name the same node at the same `line:col`. Interface values are modelled
//! by one rule: a nil interface (`Value::Nil`) stays nil while it is passed along a field chain
//! or into a function, and becomes no value as the result of a pipeline (Go's `value.Elem()`).

use std::rc::Rc;

use crate::builtins::{self, Builtin, Param};
use crate::error::{Error, ErrorKind};
use crate::gofmt;
use crate::node::{
    Arg, Branch, Command, List, Names, Node, Number, Pipe, Render, Span, TemplateCall, Tree,
    split_name,
};
use crate::template::{Function, MissingKey, Templates};
use crate::value::{FuncError, Value};

type R<T> = Result<T, Box<Error>>;

/// How a walk ended: normally, or by `{{break}}` / `{{continue}}` inside a range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// The node errors are reported at (Go's `state.node`).
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Command(&'t Command),
    Arg(&'t Arg),
}

struct State<'t, 'o> {
    set: &'t Templates,
    tree: &'t Tree,
    out: &'o mut String,
    out_start: usize,
    vars: Vec<(&'t str, Value)>,
    at: At<'t>,
    template_depth: usize,
    depth: usize,
    steps: u64,
}

pub(crate) fn execute(
    set: &Templates,
    tree: &Tree,
    data: &Value,
    out: &mut String,
) -> Result<(), Error> {
    let out_start = out.len();
    let mut s = State {
        set,
        tree,
        out,
        out_start,
        vars: vec![("$", data.clone())],
        at: At::None,
        template_depth: 0,
        depth: 0,
        steps: 0,
    };
    s.walk_list(data, &tree.root).map(|_| ()).map_err(|e| *e)
}

fn node_pos(node: &Node) -> u32 {
    match node {
        Node::Text { pos, .. } | Node::Action(_, pos) | Node::Break(pos) | Node::Continue(pos) => {
            *pos
        }
        Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        Node::Template(t) => t.pos,
    }
}

fn is_hex_int(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') && !s.contains(['p', 'P'])
}

impl<'t> State<'t, '_> {
    fn src(&self) -> &'t str {
        let tree: &'t Tree = self.tree;
        tree.source.as_str()
    }

    fn text(&self, span: Span) -> &'t str {
        span.text(self.src())
    }

    fn render(&self, at: At<'t>) -> String {
        let r = Render { src: self.src() };
        let mut s = String::new();
        match at {
            At::None => {}
            At::Node(n) => r.node(n, &mut s),
            At::Pipe(p) => r.pipe(p, &mut s),
            At::Command(c) => r.command(c, &mut s),
            At::Arg(a) => r.arg(a, &mut s),
        }
        s
    }

    fn fail_kind<T>(&self, kind: ErrorKind, message: String) -> R<T> {
        let pos = match self.at {
            At::None => None,
            At::Node(n) => Some(node_pos(n)),
            At::Pipe(p) => Some(p.pos),
            At::Command(c) => Some(c.pos),
            At::Arg(a) => Some(a.pos()),
        };
        let (line, column, context) = match pos {
            Some(pos) => {
                let before = self.src().get(..pos as usize).unwrap_or("");
                let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
                let column = match before.rfind('\n') {
                    Some(i) => before.len() - i - 1,
                    None => before.len(),
                };
                (line, column, Some(self.render(self.at)))
            }
            None => (0, 0, None),
        };
        Err(Box::new(Error {
            kind,
            name: self.tree.parse_name.to_string(),
            executing: Some(self.tree.name.to_string()),
            line,
            column,
            context,
            message,
            located: true,
        }))
    }

    fn fail<T>(&self, message: String) -> R<T> {
        self.fail_kind(ErrorKind::Exec, message)
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.set.limits.max_steps {
            return self.fail_kind(
                ErrorKind::Limit,
                format!(
                    "exceeded the step budget ({} steps)",
                    self.set.limits.max_steps
                ),
            );
        }
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        if self.depth >= self.set.limits.max_exec_depth {
            return self.fail_kind(
                ErrorKind::Limit,
                format!(
                    "exceeded maximum nesting depth ({})",
                    self.set.limits.max_exec_depth
                ),
            );
        }
        self.depth += 1;
        Ok(())
    }

    fn write(&mut self, s: &str) -> R<()> {
        let limit = self.set.limits.max_output;
        if self.out.len() - self.out_start + s.len() > limit {
            return self.fail_kind(
                ErrorKind::Limit,
                format!("output exceeds the limit of {limit} bytes"),
            );
        }
        self.out.push_str(s);
        Ok(())
    }

    // Variables.

    fn var_value(&self, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => self.fail(format!("undefined variable: {name}")),
        }
    }

    fn set_var(&mut self, name: &str, value: Value) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => self.fail(format!("undefined variable: {name}")),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Value) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    // Walking.

    fn walk_list(&mut self, dot: &Value, list: &'t List) -> R<Flow> {
        for node in &list.nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &'t Node) -> R<Flow> {
        self.at = At::Node(node);
        self.step()?;
        match node {
            Node::Text { text, .. } => {
                let t = self.text(*text);
                self.write(t)?;
            }
            Node::Action(pipe, _) => {
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(node, &val)?;
                }
            }
            Node::If(b) => return self.nested(|s| s.walk_if_or_with(false, dot, b)),
            Node::With(b) => return self.nested(|s| s.walk_if_or_with(true, dot, b)),
            Node::Range(b) => return self.nested(|s| s.walk_range(dot, node, b)),
            Node::Template(t) => {
                self.nested(|s| s.walk_template(dot, node, t))?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.enter()?;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Value, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.is_true() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(Flow::Normal)
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, node: &'t Node, r: &'t Branch) -> R<Flow> {
        self.at = At::Node(node);
        let mark = self.vars.len();
        let result = self.range_body(dot, r);
        self.vars.truncate(mark);
        result.map(|_| Flow::Normal)
    }

    fn range_body(&mut self, dot: &Value, r: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let body_mark = self.vars.len();
        let ran = match &val {
            Value::List(items) => {
                let items = Rc::clone(items);
                for (i, elem) in items.iter().enumerate() {
                    if self.one_iteration(r, body_mark, Value::Int(i as i64), elem)? {
                        break;
                    }
                }
                !items.is_empty()
            }
            Value::Map(m) => {
                let m = Rc::clone(m);
                for (k, v) in m.iter() {
                    if self.one_iteration(r, body_mark, Value::String(k.clone()), v)? {
                        break;
                    }
                }
                !m.is_empty()
            }
            Value::Int(_) | Value::Uint(_) => {
                if r.pipe.decl.len() > 1 {
                    return self.fail(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::sprint(std::slice::from_ref(&val))
                    ));
                }
                let n = match val {
                    Value::Int(n) => u64::try_from(n).unwrap_or(0),
                    Value::Uint(n) => n,
                    _ => 0,
                };
                let unsigned = matches!(val, Value::Uint(_));
                for i in 0..n {
                    let v = if unsigned {
                        Value::Uint(i)
                    } else {
                        Value::Int(i as i64)
                    };
                    if self.one_iteration(r, body_mark, Value::NoValue, &v)? {
                        break;
                    }
                }
                n > 0
            }
            Value::NoValue => false,
            other => {
                let shown = match other {
                    Value::Object(o) => o.format(),
                    v => gofmt::sprint(std::slice::from_ref(v)),
                };
                return self.fail(format!("range can't iterate over {shown}"));
            }
        };
        if !ran && let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    /// One range iteration; true when the body ran `{{break}}`.
    fn one_iteration(
        &mut self,
        r: &'t Branch,
        body_mark: usize,
        index: Value,
        elem: &Value,
    ) -> R<bool> {
        self.step()?;
        let decl = &r.pipe.decl;
        if let Some(first) = decl.first() {
            if r.pipe.is_assign {
                // With two variables the index comes first; with one, the element.
                let name = self.text(*first);
                if decl.len() > 1 {
                    self.set_var(name, index.clone())?;
                } else {
                    self.set_var(name, elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if let Some(second) = decl.get(1) {
            if r.pipe.is_assign {
                let name = self.text(*second);
                self.set_var(name, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let flow = self.walk_list(elem, &r.list);
        self.vars.truncate(body_mark);
        Ok(flow? == Flow::Break)
    }

    fn walk_template(&mut self, dot: &Value, node: &'t Node, t: &'t TemplateCall) -> R<()> {
        self.at = At::Node(node);
        let set: &'t Templates = self.set;
        let Some(tmpl) = set.trees.get(&t.name) else {
            return self.fail(format!("template {} not defined", gofmt::quote(&t.name)));
        };
        if self.template_depth >= set.limits.max_template_depth {
            return self.fail_kind(
                ErrorKind::Limit,
                format!(
                    "exceeded maximum template depth ({})",
                    set.limits.max_template_depth
                ),
            );
        }
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::NoValue,
        };
        let tmpl: &'t Tree = tmpl;
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", new_dot.clone())]);
        let saved_tree = std::mem::replace(&mut self.tree, tmpl);
        self.template_depth += 1;
        let r = self.walk_list(&new_dot, &tmpl.root);
        self.template_depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        r.map(|_| ())
    }

    // Evaluation.

    fn eval_pipeline(&mut self, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        self.at = At::Pipe(pipe);
        self.enter()?;
        let r = self.eval_pipeline_cmds(dot, pipe);
        self.depth -= 1;
        let value = r?;
        for v in &pipe.decl {
            let name = self.text(*v);
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn eval_pipeline_cmds(&mut self, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.unwrap_interface());
        }
        Ok(value.unwrap_or_default())
    }

    fn not_a_function(&self, first: &'t Arg, rest: &[Arg], fin: &Option<Value>) -> R<()> {
        if !rest.is_empty() || fin.is_some() {
            let mut s = String::new();
            Render { src: self.src() }.arg(first, &mut s);
            return self.fail(format!("can't give argument to non-function {s}"));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'t Command, fin: Option<Value>) -> R<Value> {
        self.step()?;
        let Some(first) = cmd.args.first() else {
            return self.fail("empty command".into());
        };
        let rest: &'t [Arg] = cmd.args.get(1..).unwrap_or(&[]);
        match first {
            Arg::Field { .. } => return self.eval_field_node(dot, first, rest, fin),
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, rest, fin),
            Arg::Identifier { .. } => {
                return self.eval_function(dot, first, At::Command(cmd), rest, fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(first, rest, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { .. } => return self.eval_variable_node(dot, first, rest, fin),
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(first, rest, &fin)?;
        match first {
            Arg::Bool(_, b) => Ok(Value::Bool(*b)),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => self.fail("nil is not a command".into()),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String { value, .. } => Ok(Value::String(value.clone())),
            _ => {
                let s = self.render(At::Arg(first));
                self.fail(format!("can't evaluate command {}", gofmt::quote(&s)))
            }
        }
    }

    fn ideal_constant(&mut self, arg: &'t Arg, n: &Number) -> R<Value> {
        self.at = At::Arg(arg);
        let text = self.text(n.text);
        if n.is_float
            && !is_hex_int(text)
            && !text.starts_with('\'')
            && text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Value::Float(n.float));
        }
        if n.is_int {
            return Ok(Value::Int(n.int));
        }
        if n.is_uint {
            return self.fail(format!("{text} overflows int"));
        }
        Ok(Value::NoValue)
    }

    fn eval_field_node(
        &mut self,
        dot: &Value,
        field: &'t Arg,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(field);
        let Arg::Field { idents, .. } = field else {
            return self.fail("internal error: not a field".into());
        };
        self.eval_field_chain(dot, dot.clone(), field, *idents, rest, fin)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Value,
        chain: &'t Arg,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, fields, .. } = chain else {
            return self.fail("internal error: not a chain".into());
        };
        if let Arg::Nil(_) = node.as_ref() {
            let s = self.render(At::Arg(chain));
            return self.fail(format!("indirection through explicit nil in {s}"));
        }
        let receiver = self.eval_arg(dot, Param::Raw, node)?;
        self.eval_field_chain(dot, receiver, chain, *fields, rest, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Value,
        var: &'t Arg,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(var);
        let Arg::Variable { idents, .. } = var else {
            return self.fail("internal error: not a variable".into());
        };
        let (name, fields) = idents.split_first(self.src());
        let value = self.var_value(name)?;
        let Some(fields) = fields else {
            self.not_a_function(var, rest, &fin)?;
            return Ok(value);
        };
        self.eval_field_chain(dot, value, var, fields, rest, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut receiver: Value,
        node: &'t Arg,
        idents: Names,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        let mut names = idents.0.text(self.src());
        loop {
            match split_name(names) {
                (name, Some(after)) => {
                    receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
                    names = after;
                }
                (last, None) => return self.eval_field(dot, last, node, rest, fin, receiver),
            }
        }
    }

    fn eval_field(
        &mut self,
        dot: &Value,
        name: &'t str,
        node: &'t Arg,
        rest: &'t [Arg],
        fin: Option<Value>,
        receiver: Value,
    ) -> R<Value> {
        let has_args = !rest.is_empty() || fin.is_some();
        match &receiver {
            Value::NoValue => {
                if self.set.missing_key == MissingKey::Error {
                    return self.fail(format!("nil data; no entry for key {}", gofmt::quote(name)));
                }
                Ok(Value::NoValue)
            }
            Value::Nil => self.fail(format!("nil pointer evaluating interface {{}}.{name}")),
            Value::Object(o) => {
                let argv = if has_args {
                    self.eval_args(dot, rest, fin)?
                } else {
                    Vec::new()
                };
                if let Some(result) = o.method(name, &argv) {
                    return match result {
                        Ok(v) => Ok(v),
                        Err(e) => {
                            self.at = At::Arg(node);
                            self.fail(call_error(name, e))
                        }
                    };
                }
                match o.field(name) {
                    Some(v) => {
                        if o.is_nil() {
                            return self
                                .fail(format!("nil pointer evaluating {}.{name}", o.type_name()));
                        }
                        if has_args {
                            return self.fail(format!(
                                "{name} has arguments but cannot be invoked as function"
                            ));
                        }
                        Ok(v)
                    }
                    None => self.fail(format!(
                        "can't evaluate field {name} in type {}",
                        o.type_name()
                    )),
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.fail(format!("{name} is not a method but has arguments"));
                }
                match m.get(name) {
                    Some(v) => Ok(v.clone()),
                    None => match self.set.missing_key {
                        MissingKey::Default => Ok(Value::NoValue),
                        MissingKey::Zero => Ok(m.elem_zero().clone()),
                        MissingKey::Error => {
                            self.fail(format!("map has no entry for key {}", gofmt::quote(name)))
                        }
                    },
                }
            }
            other => self.fail(format!(
                "can't evaluate field {name} in type {}",
                other.type_name()
            )),
        }
    }

    /// Evaluates method or host-function arguments (`interface{}` parameters).
    fn eval_args(&mut self, dot: &Value, rest: &'t [Arg], fin: Option<Value>) -> R<Vec<Value>> {
        let mut argv = Vec::with_capacity(rest.len() + 1);
        for a in rest {
            argv.push(self.eval_arg(dot, Param::Any, a)?);
        }
        if let Some(f) = fin {
            argv.push(self.validate(f, Param::Any)?);
        }
        Ok(argv)
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &'t Arg,
        node: At<'t>,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(ident);
        let Arg::Identifier { name, .. } = ident else {
            return self.fail("internal error: not an identifier".into());
        };
        let name = self.text(*name);
        let set: &'t Templates = self.set;
        if let Some(f) = set.funcs.get(name) {
            return self.eval_host_call(dot, f, node, name, rest, fin);
        }
        match Builtin::lookup(name) {
            Some(b) => self.eval_builtin(dot, b, node, name, rest, fin),
            None => self.fail(format!("{} is not a defined function", gofmt::quote(name))),
        }
    }

    fn check_arity(
        &self,
        name: &str,
        fixed: usize,
        variadic: bool,
        rest: &[Arg],
        fin: &Option<Value>,
    ) -> R<()> {
        let num_in = rest.len() + usize::from(fin.is_some());
        if variadic {
            if num_in < fixed {
                return self.fail(format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    rest.len()
                ));
            }
        } else if num_in != fixed {
            return self.fail(format!(
                "wrong number of args for {name}: want {fixed} got {num_in}"
            ));
        }
        Ok(())
    }

    fn eval_host_call(
        &mut self,
        dot: &Value,
        f: &'t Function,
        node: At<'t>,
        name: &str,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        match f.max_args() {
            Some(max) if max == f.min_args() => self.check_arity(name, max, false, rest, &fin)?,
            _ => self.check_arity(name, f.min_args(), true, rest, &fin)?,
        }
        if let Some(max) = f.max_args() {
            let num_in = rest.len() + usize::from(fin.is_some());
            if num_in > max {
                return self.fail(format!(
                    "wrong number of args for {name}: want at most {max} got {num_in}"
                ));
            }
        }
        let argv = self.eval_args(dot, rest, fin)?;
        match f.call(&argv) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at = node;
                self.fail(call_error(name, e))
            }
        }
    }

    fn eval_builtin(
        &mut self,
        dot: &Value,
        b: Builtin,
        node: At<'t>,
        name: &str,
        rest: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        let (fixed, variadic) = b.arity();
        self.check_arity(name, fixed, variadic, rest, &fin)?;
        if matches!(b, Builtin::And | Builtin::Or) {
            // Short-circuit: stop at the first operand that decides, and return it.
            let want = b == Builtin::Or;
            let mut v = Value::NoValue;
            for a in rest {
                v = self.eval_arg(dot, Param::Raw, a)?;
                if v.is_true() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(rest.len() + 1);
        for (i, a) in rest.iter().enumerate() {
            argv.push(self.eval_arg(dot, b.param(i), a)?);
        }
        if let Some(f) = fin {
            let p = b.param(argv.len());
            argv.push(self.validate(f, p)?);
        }
        if b == Builtin::Call {
            let callee = match rest.first() {
                Some(a) => self.render(At::Arg(a)),
                None => format!(
                    "<{} Value>",
                    argv.first().map(Value::type_name).unwrap_or_default()
                ),
            };
            return match call(&callee, &argv) {
                Ok(v) => Ok(v),
                Err(e) => {
                    self.at = node;
                    self.fail(format!("error calling call: {e}"))
                }
            };
        }
        match b.apply(&argv) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at = node;
                self.fail(format!("error calling {name}: {e}"))
            }
        }
    }

    fn validate(&self, value: Value, p: Param) -> R<Value> {
        match p {
            Param::Raw => Ok(value),
            Param::Any => Ok(match value {
                Value::NoValue => Value::Nil,
                v => v,
            }),
            Param::Str => match value {
                Value::String(_) => Ok(value),
                Value::NoValue => self.fail("invalid value; expected string".into()),
                other => self.fail(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                )),
            },
        }
    }

    fn eval_arg(&mut self, dot: &Value, p: Param, n: &'t Arg) -> R<Value> {
        self.at = At::Arg(n);
        let v = match n {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return match p {
                    Param::Any => Ok(Value::Nil),
                    Param::Raw => Ok(Value::NoValue),
                    Param::Str => self.fail("cannot assign nil to string".into()),
                };
            }
            Arg::Field { .. } => self.eval_field_node(dot, n, &[], None)?,
            Arg::Variable { .. } => self.eval_variable_node(dot, n, &[], None)?,
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            Arg::Identifier { .. } => self.eval_function(dot, n, At::Arg(n), &[], None)?,
            Arg::Chain { .. } => self.eval_chain_node(dot, n, &[], None)?,
            Arg::Bool(_, b) => {
                if p == Param::Str {
                    return self.fail(format!("expected string; found {b}"));
                }
                return Ok(Value::Bool(*b));
            }
            Arg::Number(num) => {
                if p == Param::Str {
                    let t = self.text(num.text);
                    return self.fail(format!("expected string; found {t}"));
                }
                return self.ideal_constant(n, num);
            }
            Arg::String { value, .. } => return Ok(Value::String(value.clone())),
        };
        self.validate(v, p)
    }

    fn print_value(&mut self, node: &'t Node, v: &Value) -> R<()> {
        self.at = At::Node(node);
        match v {
            Value::NoValue => self.write("<no value>"),
            Value::String(s) => self.write(s),
            Value::Func(f) => {
                let s = self.render(At::Node(node));
                self.fail(format!("can't print {s} of type {}", f.type_name()))
            }
            Value::Object(o) => {
                let s = o.format();
                self.write(&s)
            }
            other => {
                let s = gofmt::sprint(std::slice::from_ref(other));
                self.write(&s)
            }
        }
    }
}

fn call_error(name: &str, e: FuncError) -> String {
    match e {
        FuncError::Message(m) => format!("error calling {name}: {m}"),
        other => other.to_string(),
    }
}

/// Go's `call` builtin: `fn` is `args[0]`.
fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let f = match builtins::indirect_interface(args.first().unwrap_or(&Value::NoValue)) {
        Value::NoValue => return Err("call of nil".into()),
        Value::Func(f) => f,
        other => {
            return Err(format!("non-function {name} of type {}", other.type_name()));
        }
    };
    let rest: Vec<Value> = args
        .get(1..)
        .unwrap_or(&[])
        .iter()
        .map(|a| match builtins::indirect_interface(a) {
            Value::NoValue => Value::Nil,
            v => v,
        })
        .collect();
    let n = rest.len();
    match f.max_args() {
        Some(max) if max == f.min_args() && n != max => {
            return Err(format!(
                "wrong number of args for {name}: got {n} want {max}"
            ));
        }
        _ if n < f.min_args() => {
            return Err(format!(
                "wrong number of args for {name}: got {n} want at least {}",
                f.min_args()
            ));
        }
        Some(max) if n > max => {
            return Err(format!(
                "wrong number of args for {name}: got {n} want at most {max}"
            ));
        }
        _ => {}
    }
    f.call(&rest).map_err(|e| e.to_string())
}
