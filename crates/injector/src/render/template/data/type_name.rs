//! Go type names for error texts and `%T` (`v1.Container`, `*v1alpha1.ProxyConfig`,
//! `v1alpha1.ProxyConfig_InboundInterceptionMode`), built once per type.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A type's table name, whether it is a pointer, whether it is a proto type.
type Key = (&'static str, bool, bool);

thread_local! {
    static NAMES: RefCell<HashMap<Key, Rc<str>>> = RefCell::new(HashMap::new());
}

fn cached(key: Key, build: impl FnOnce() -> String) -> Rc<str> {
    NAMES.with(|names| {
        names
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| Rc::from(build()))
            .clone()
    })
}

/// A `k8s.io/api` or apimachinery type: both packages are named `v1`.
pub(crate) fn k8s(name: &'static str, pointer: bool) -> Rc<str> {
    cached((name, pointer, false), || {
        format!("{}v1.{name}", if pointer { "*" } else { "" })
    })
}

/// A generated protobuf type from its full proto name: the Go package is the last
/// lower-case component, nested names are joined with `_`
/// (`istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode` →
/// `v1alpha1.ProxyConfig_InboundInterceptionMode`).
pub(crate) fn proto(full_name: &'static str, pointer: bool) -> Rc<str> {
    cached((full_name, pointer, true), || {
        let parts: Vec<&str> = full_name.split('.').collect();
        let first_type = parts
            .iter()
            .position(|p| p.starts_with(|c: char| c.is_ascii_uppercase()))
            .unwrap_or(parts.len());
        let package = first_type
            .checked_sub(1)
            .and_then(|i| parts.get(i))
            .copied()
            .unwrap_or("");
        let name = parts.get(first_type..).unwrap_or(&[]).join("_");
        format!("{}{package}.{name}", if pointer { "*" } else { "" })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_spellings() {
        assert_eq!(&*k8s("Container", false), "v1.Container");
        assert_eq!(&*k8s("SecurityContext", true), "*v1.SecurityContext");
        assert_eq!(
            &*proto("istio.mesh.v1alpha1.ProxyConfig", true),
            "*v1alpha1.ProxyConfig"
        );
        assert_eq!(
            &*proto(
                "istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode",
                false
            ),
            "v1alpha1.ProxyConfig_InboundInterceptionMode"
        );
    }
}
