//! The function table Istio's templates are parsed with: sprig's `TxtFuncMap` (the part
//! injection templates use) overridden by Istio's `InjectionFuncmap`, as `UnmarshalConfig`
//! builds it.
//!
//! Sprig functions not registered (dates, crypto, semver, UUIDs, network lookups …) make a
//! template that calls them fail to parse with `function "x" not defined`, a clear error
//! at configuration time rather than a wrong pod.

pub(crate) mod args;
mod collections;
mod convert;
mod istio;
mod strings;

#[cfg(test)]
mod tests;

use gotemplate::Funcs;

/// Sprig's functions, then Istio's on top.
pub(crate) fn table() -> Funcs {
    let mut f = Funcs::new();
    strings::register(&mut f);
    collections::register(&mut f);
    convert::register(&mut f);
    istio::register(&mut f);
    f
}
