//! The public API: a set of named templates sharing a function table (Go's `*template.Template`
//! family), with execution budgets.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::Error;
use crate::exec;
use crate::node::Tree;
use crate::parse;
use crate::value::{FuncError, Value};

type FuncImpl = dyn Fn(&[Value]) -> Result<Value, FuncError>;

/// A host function callable from templates (or stored in data for `call`).
///
/// Arguments arrive evaluated, the piped value last. Go converts a no-value argument to nil for
/// `any` parameters, so functions see `Value::Nil` where the template had no value.
/// The arity is checked before the call, with Go's error texts.
#[derive(Clone)]
pub struct Function(Rc<Definition<FuncImpl>>);

/// A function's arity and Go type with its code, in one allocation: a `Function` is one
/// pointer, so `Value` (which can hold one) is no larger than its other variants.
struct Definition<F: ?Sized> {
    min_args: usize,
    max_args: Option<usize>,
    type_name: TypeName,
    f: F,
}

/// A function's Go type, as `%T` and error texts print it. The usual signatures are constants:
/// the host's function table is built on every fresh policy instance, and formatting a name
/// for each of its functions was most of that.
#[derive(Clone)]
enum TypeName {
    Known(&'static str),
    Owned(Rc<str>),
}

impl TypeName {
    fn as_str(&self) -> &str {
        match self {
            TypeName::Known(name) => name,
            TypeName::Owned(name) => name,
        }
    }
}

/// The Go type of a function of `n` `interface {}` parameters (and a variadic one after them).
fn signature(n: usize, variadic: bool) -> TypeName {
    const FIXED: [&str; 4] = [
        "func() interface {}",
        "func(interface {}) interface {}",
        "func(interface {}, interface {}) interface {}",
        "func(interface {}, interface {}, interface {}) interface {}",
    ];
    const VARIADIC: [&str; 3] = [
        "func(...interface {}) interface {}",
        "func(interface {}, ...interface {}) interface {}",
        "func(interface {}, interface {}, ...interface {}) interface {}",
    ];
    let known = if variadic { &VARIADIC[..] } else { &FIXED[..] };
    match known.get(n) {
        Some(name) => TypeName::Known(name),
        None => TypeName::Owned(Rc::from(format!(
            "func({}) interface {{}}",
            params(n, variadic)
        ))),
    }
}

impl Function {
    /// A function taking any number of arguments.
    pub fn new(f: impl Fn(&[Value]) -> Result<Value, FuncError> + 'static) -> Self {
        Function::variadic(0, f)
    }

    /// A function taking exactly `n` arguments.
    pub fn fixed(n: usize, f: impl Fn(&[Value]) -> Result<Value, FuncError> + 'static) -> Self {
        Function(Rc::new(Definition {
            min_args: n,
            max_args: Some(n),
            type_name: signature(n, false),
            f,
        }))
    }

    /// A function taking at least `min` arguments.
    pub fn variadic(
        min: usize,
        f: impl Fn(&[Value]) -> Result<Value, FuncError> + 'static,
    ) -> Self {
        Function(Rc::new(Definition {
            min_args: min,
            max_args: None,
            type_name: signature(min, true),
            f,
        }))
    }

    /// Overrides the Go type name shown in error texts and by `%T`.
    pub fn with_type_name(mut self, name: &str) -> Self {
        let type_name = TypeName::Owned(Rc::from(name));
        if let Some(definition) = Rc::get_mut(&mut self.0) {
            definition.type_name = type_name;
            return self;
        }
        // Shared: a new definition that calls this one.
        let (min_args, max_args) = (self.0.min_args, self.0.max_args);
        Function(Rc::new(Definition {
            min_args,
            max_args,
            type_name,
            f: move |args: &[Value]| self.call(args),
        }))
    }

    pub fn type_name(&self) -> &str {
        self.0.type_name.as_str()
    }

    pub fn min_args(&self) -> usize {
        self.0.min_args
    }

    /// `None` for a variadic function.
    pub fn max_args(&self) -> Option<usize> {
        self.0.max_args
    }

    pub fn call(&self, args: &[Value]) -> Result<Value, FuncError> {
        (self.0.f)(args)
    }
}

fn params(n: usize, variadic: bool) -> String {
    let mut parts: Vec<&str> = std::iter::repeat_n("interface {}", n).collect();
    if variadic {
        parts.push("...interface {}");
    }
    parts.join(", ")
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// The hash of the name tables (functions, templates): every identifier a template uses is
/// looked up while it is parsed and again while it runs, on a fresh policy instance per
/// request, where SipHash showed in the profile. The tables hold the host's functions and the
/// configuration's templates; a name from a template only probes them, so a plain
/// multiplicative hash costs nothing in safety.
#[derive(Clone, Copy, Default)]
pub(crate) struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

/// The host's function table (Go's `FuncMap`). Host functions replace builtins of the same
/// name, as in Go (a replaced `and`/`or` no longer short-circuits). Names must be Go
/// identifiers to be callable.
#[derive(Clone, Default)]
pub struct Funcs {
    map: NameMap<String, Function>,
}

impl Funcs {
    pub fn new() -> Self {
        Funcs::default()
    }

    /// Adds or replaces a function.
    pub fn insert(&mut self, name: &str, f: Function) -> &mut Self {
        self.map.insert(name.to_owned(), f);
        self
    }

    /// Builder form of `insert`.
    pub fn with(mut self, name: &str, f: Function) -> Self {
        self.insert(name, f);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Function> {
        self.map.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
}

/// What a field access on a missing map key yields (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// No value (`<no value>`), Go's default and what Istio uses.
    #[default]
    Default,
    /// The zero value of the map's element type.
    Zero,
    /// Stop with `map has no entry for key "x"`.
    Error,
}

/// Execution and parsing budgets. Exceeding one stops with an error, never a hang or a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Evaluated nodes plus loop iterations per execution.
    pub max_steps: u64,
    /// Nested `{{template}}` calls (Go's `maxExecDepth`, 100000 natively, 1000 in wasm).
    pub max_template_depth: usize,
    /// Nesting of control structures and parentheses while parsing (Go bounds parentheses at
    /// 10000, 1000 in wasm).
    pub max_parse_depth: usize,
    /// Recursion of the executor (control structures, parenthesised pipelines and template calls
    /// together); keeps deep recursion off the end of a small wasm stack.
    pub max_exec_depth: usize,
    /// Bytes of output.
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 1_000_000,
            max_template_depth: 100,
            max_parse_depth: 100,
            max_exec_depth: 200,
            max_output: 16 << 20,
        }
    }
}

/// A set of named templates with a shared function table, like a Go `*template.Template` and
/// its associated templates.
///
/// ```
/// use gotemplate::{Templates, Funcs, Value};
/// let mut set = Templates::new(Funcs::new());
/// set.parse("hello", r#"{{define "name"}}{{.}}{{end}}Hello, {{template "name" .who}}!"#).unwrap();
/// let data = Value::from_json(&serde_json::json!({"who": "world"}));
/// assert_eq!(set.execute("hello", &data).unwrap(), "Hello, world!");
/// ```
#[derive(Clone)]
pub struct Templates {
    pub(crate) funcs: Rc<Funcs>,
    pub(crate) trees: NameMap<Rc<str>, Rc<Tree>>,
    pub(crate) limits: Limits,
    pub(crate) missing_key: MissingKey,
}

impl Templates {
    pub fn new(funcs: Funcs) -> Self {
        Templates {
            funcs: Rc::new(funcs),
            trees: NameMap::default(),
            limits: Limits::default(),
            missing_key: MissingKey::Default,
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn set_missing_key(&mut self, missing_key: MissingKey) {
        self.missing_key = missing_key;
    }

    /// Parses `text` as the template `name`; the templates it `define`s or `block`s join the
    /// set. On error nothing is added. As in Go, defining a name twice in one text is an error,
    /// a later parse replaces an earlier definition, and an empty definition (blank text and
    /// comments only) does not replace an existing one.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        self.parse_shared(name, Arc::new(text.to_owned()))
    }

    /// `parse` of a text the caller shares: the parsed templates keep `text` itself, where
    /// `parse` copies it (a template is tens of KB, on a fresh instance that many new pages).
    pub fn parse_shared(&mut self, name: &str, text: Arc<String>) -> Result<(), Error> {
        let trees = parse::parse(name, text, &self.funcs, self.limits.max_parse_depth)?;
        for tree in trees {
            // Go's `associate`: an empty definition never replaces an existing one.
            if tree.is_empty() && self.trees.contains_key(&tree.name) {
                continue;
            }
            self.trees.insert(tree.name.clone(), Rc::new(tree));
        }
        Ok(())
    }

    /// True if a template of that name is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// Names of the defined templates, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.trees.keys().map(|k| k.as_ref()).collect();
        v.sort_unstable();
        v
    }

    /// Executes the template `name` with `data` as dot and returns the output.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_into(name, data, &mut out)?;
        Ok(out)
    }

    /// Like `execute`, appending to `out`; on error `out` holds the output produced so far, as a
    /// Go writer would.
    pub fn execute_into(&self, name: &str, data: &Value, out: &mut String) -> Result<(), Error> {
        let Some(tree) = self.trees.get(name) else {
            return Err(Error::no_template(name));
        };
        exec::execute(self, tree, data, out)
    }
}

#[cfg(test)]
mod tests {
    use super::{Function, params, signature};
    use crate::value::Value;

    #[test]
    fn a_shared_function_renamed_leaves_the_other_copy_as_it_was() {
        let f = Function::fixed(1, |args| Ok(args[0].clone()));
        let copy = f.clone();
        let renamed = f.with_type_name("func(string) string");
        assert_eq!(renamed.type_name(), "func(string) string");
        assert_eq!(copy.type_name(), "func(interface {}) interface {}");
        assert_eq!((renamed.min_args(), renamed.max_args()), (1, Some(1)));
        let out = renamed.call(&[Value::from("x")]).unwrap();
        assert_eq!(out.to_string(), "x");
        let alone = Function::variadic(2, |_| Ok(Value::Nil)).with_type_name("func(...int)");
        assert_eq!(
            (alone.type_name(), alone.max_args()),
            ("func(...int)", None)
        );
    }

    #[test]
    fn known_signatures_read_as_the_formatted_ones() {
        for n in 0..8 {
            for variadic in [false, true] {
                let formatted = format!("func({}) interface {{}}", params(n, variadic));
                assert_eq!(signature(n, variadic).as_str(), formatted, "{n} {variadic}");
            }
        }
    }
}
