//! The page's state as the injector needs it: the pasted ConfigMap strings and the toggles.

use serde::{Deserialize, Serialize};

/// What the page sends (JSON, camelCase). An empty editor means "not given": Istio's
/// defaults apply, as they do for a `kube-inject` flag left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The `config` of ConfigMap istio-sidecar-injector (or a bare sidecar template).
    pub config: String,
    /// The `values` of ConfigMap istio-sidecar-injector.
    pub values: String,
    /// The `mesh` of ConfigMap istio.
    pub mesh: String,
    /// `--native-sidecars`.
    pub native_sidecars: bool,
    /// `--revision` (`""` or `default`: the default revision).
    pub revision: String,
    /// `--compliance-policy`.
    pub compliance_policy: String,
}

impl Settings {
    pub fn from_json(text: &str) -> Result<Settings, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid playground settings: {e}"))
    }
}

/// An editor's text, `None` when it holds nothing but blanks.
pub fn given(text: &str) -> Option<&str> {
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_their_defaults() {
        let settings = Settings::from_json(r#"{"nativeSidecars": true}"#).unwrap();
        assert!(settings.native_sidecars);
        assert_eq!(settings.config, "");
        assert!(Settings::from_json("[1]").is_err());
    }

    #[test]
    fn blank_editors_are_not_given() {
        assert_eq!(given(" \n\t"), None);
        assert_eq!(given("a: 1\n"), Some("a: 1\n"));
    }
}
