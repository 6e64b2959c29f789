//! Which templates a pod gets (Istio's `selectTemplates` and `resolveAliases`).

pub use crate::annotation::INJECT_TEMPLATES as TEMPLATES_ANNOTATION;
use std::collections::BTreeMap;

/// The templates to apply, in order: the pod's `inject.istio.io/templates` (comma-separated,
/// spaces trimmed) or the defaults, each alias replaced by its templates (one level, not
/// recursive). Duplicates are kept: a template named twice is applied twice.
pub fn select_templates(
    annotation: Option<&str>,
    defaults: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let requested: Vec<&str> = match annotation {
        Some(list) => list.split(',').map(str::trim).collect(),
        None => defaults.iter().map(String::as_str).collect(),
    };
    let mut selected = Vec::with_capacity(requested.len());
    for name in requested {
        match aliases.get(name) {
            Some(expansion) => selected.extend(expansion.iter().cloned()),
            None => selected.push(name.to_string()),
        }
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn annotation_over_defaults() {
        let none = BTreeMap::new();
        let defaults = strings(&["sidecar"]);
        assert_eq!(select_templates(None, &defaults, &none), defaults);
        assert_eq!(
            select_templates(Some(" grpc-agent ,sidecar"), &defaults, &none),
            strings(&["grpc-agent", "sidecar"])
        );
        assert_eq!(
            select_templates(Some("sidecar,sidecar,sidecar"), &defaults, &none),
            strings(&["sidecar", "sidecar", "sidecar"])
        );
        // An empty annotation names the empty template, which then is not found.
        assert_eq!(select_templates(Some(""), &defaults, &none), strings(&[""]));
    }

    // Istio's TestMultipleInjectionTemplates: alias `both` = sidecar, init.
    #[test]
    fn aliases_expand_one_level() {
        let aliases = BTreeMap::from([
            ("both".to_string(), strings(&["sidecar", "init"])),
            ("outer".to_string(), strings(&["both"])),
        ]);
        let defaults = strings(&["sidecar"]);
        assert_eq!(
            select_templates(Some("both"), &defaults, &aliases),
            strings(&["sidecar", "init"])
        );
        assert_eq!(
            select_templates(Some("sidecar,init"), &defaults, &aliases),
            strings(&["sidecar", "init"])
        );
        assert_eq!(
            select_templates(Some("outer"), &defaults, &aliases),
            strings(&["both"])
        );
        assert_eq!(
            select_templates(None, &strings(&["both"]), &aliases),
            strings(&["sidecar", "init"])
        );
    }
}
