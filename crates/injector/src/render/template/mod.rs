//! The Go-template renderer: the cluster's own injection templates (the `templates` of the
//! `istio-sidecar-injector` ConfigMap), rendered as Istio renders them.
//!
//! Per template: execute it with [`gotemplate`] over Istio's `SidecarTemplateData`
//! ([`data`]) and the function table of [`funcs`], read the text as `sigs.k8s.io/yaml` does
//! ([`yaml`], YAML 1.1 through libyaml's events), and hand the resulting partial Pod to the
//! pipeline's strategic merge. `toYaml` writes go-yaml v2 text ([`crate::goyaml`]).
//!
//! Every template is parsed separately, as Istio parses each with its own `template.New`:
//! a `define` in one template (the stock `sidecar` and `gateway` both define `resources`)
//! does not leak into another.
//!
//! Where the result can differ from Istio's, on purpose or by the limits of the model:
//! * pod fields and annotations whose text could break out of the templates' quoting are
//!   refused ([`safety`], and the "beyond Istio" checks of [`crate::validate`]), where Istio
//!   renders them;
//! * template values are immutable: sprig's `set`/`unset` return the changed dict but do not
//!   change the one a variable holds;
//! * every Go integer type is `int` to `printf "%T"`; an enum compares only with `eq` on
//!   another enum, never with an integer; a proto message prints as its JSON, not prototext;
//!   messages this crate does not model (other than `Tracing.TlsSettings`) are maps of their
//!   JSON;
//! * sprig functions outside the injection templates' needs (dates, crypto, semver …) are not
//!   registered: a template using one fails to parse, with the name.

pub(crate) mod data;
pub(crate) mod funcs;
mod safety;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;

use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde_json::Value;

use super::builtin::{Builtin, stock};
use super::{Renderer, StockTemplates, TemplateData};
use crate::config::{InjectorConfig, TemplateText};
use crate::error::{ConfigError, InjectError};

/// The field path of a template in the policy settings.
const TEMPLATES_FIELD: &str = "injectorConfig.templates";

thread_local! {
    /// An empty template set holding the function table, built once: every parse starts
    /// from a cheap clone of it (the table is shared behind an `Rc`).
    static BASE: gotemplate::Templates = gotemplate::Templates::new(funcs::table());
}

/// The templates of one injector configuration, each parsed at most once.
#[derive(Clone)]
pub struct Templates {
    entries: BTreeMap<String, Entry>,
    stock: StockTemplates,
}

#[derive(Clone)]
struct Entry {
    text: TemplateText,
    parsed: OnceCell<Result<gotemplate::Templates, ConfigError>>,
    /// Whether the text is the chart's template of this name, found out on first use.
    is_stock: OnceCell<bool>,
}

impl Entry {
    fn is_stock(&self, name: &str) -> bool {
        *self
            .is_stock
            .get_or_init(|| stock::is_stock(name, self.text.as_str()))
    }

    fn get(&self, name: &str) -> &Result<gotemplate::Templates, ConfigError> {
        self.parsed.get_or_init(|| parse_one(name, &self.text))
    }
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Parses one template with the function table. The error names the template
/// (`injectorConfig.templates.<name>`), and its message the line and column
/// (`template: <name>:<line>:<column>: …`, the column 0-based as Go counts it).
fn parse_one(name: &str, text: &TemplateText) -> Result<gotemplate::Templates, ConfigError> {
    let mut set = BASE.with(Clone::clone);
    set.parse_shared(name, text.shared()).map_err(|e| {
        ConfigError::new(
            format!("{TEMPLATES_FIELD}.{name}"),
            format!(
                "template: {}:{}:{}: {}",
                e.template(),
                e.line(),
                e.column(),
                e.message()
            ),
        )
    })?;
    Ok(set)
}

impl Templates {
    /// Parses every template of the configuration, as Istio's `UnmarshalConfig` does, so a
    /// broken template is a configuration error even if no pod selects it (settings
    /// validation).
    pub fn parse(config: &InjectorConfig) -> Result<Templates, ConfigError> {
        Templates::lazy(config).checked()
    }

    /// Parses every template the engine will run, as [`parse`] does: with
    /// [`StockTemplates::Builtin`], the chart's own templates are not, since the built-in
    /// renderer renders them.
    ///
    /// [`parse`]: Templates::parse
    pub fn checked(self) -> Result<Templates, ConfigError> {
        for (name, entry) in &self.entries {
            if self.renders_natively(name, entry) {
                continue;
            }
            if let Err(e) = entry.get(name) {
                return Err(e.clone());
            }
        }
        Ok(self)
    }

    /// Who renders the chart's own templates (the Go-template engine unless set).
    pub fn with_stock(mut self, stock: StockTemplates) -> Templates {
        self.stock = stock;
        self
    }

    fn renders_natively(&self, name: &str, entry: &Entry) -> bool {
        self.stock == StockTemplates::Builtin && entry.is_stock(name)
    }

    /// The templates of the configuration, each parsed (and cut out of the config text) when
    /// a pod first selects it. A pod usually selects one of the chart's eight templates (the
    /// sidecar template is a fifth of the chart's text), and on a fresh policy instance
    /// parsing the others cost about a quarter of a typical evaluation; a caller that
    /// validated the configuration beforehand can use this. The texts are shared, not copied.
    /// A template that does not parse fails the pods that select it, with the error of
    /// [`parse`]. The engine renders every template, the chart's own included, unless
    /// [`with_stock`] hands those to the built-in renderer.
    ///
    /// [`parse`]: Templates::parse
    /// [`with_stock`]: Templates::with_stock
    pub fn lazy(config: &InjectorConfig) -> Templates {
        let entries = config
            .templates
            .iter()
            .map(|(name, text)| {
                let entry = Entry {
                    text: text.clone(),
                    parsed: OnceCell::new(),
                    is_stock: OnceCell::new(),
                };
                (name.clone(), entry)
            })
            .collect();
        Templates {
            entries,
            stock: StockTemplates::Engine,
        }
    }

    /// Renders a template to text (what Istio then reads as YAML). Pods whose fields could
    /// break out of the templates' quoting are refused first (see `safety`).
    pub fn execute(&self, name: &str, data: &TemplateData<'_>) -> Result<String, InjectError> {
        let entry = self.entries.get(name).ok_or_else(|| self.not_found(name))?;
        let set = entry
            .get(name)
            .as_ref()
            .map_err(|e| InjectError::InvalidTemplate(e.clone()))?;
        safety::check_pod_fields(data)?;
        set.execute(name, &data::dot(data))
            .map_err(|e| InjectError::Render(e.to_string()))
    }

    fn not_found(&self, name: &str) -> InjectError {
        InjectError::TemplateNotFound {
            name: name.to_string(),
            have: self.template_names().join(", "),
        }
    }
}

impl Renderer for Templates {
    fn has_template(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    fn template_names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    fn render(&self, name: &str, data: &TemplateData<'_>) -> Result<Value, InjectError> {
        if let Some(entry) = self.entries.get(name)
            && self.renders_natively(name, entry)
        {
            // The same pods are refused as when the engine prints the fields.
            safety::check_pod_fields(data)?;
            return Builtin.render(name, data);
        }
        let text = self.execute(name, data)?;
        let overlay = crate::goyaml::unmarshal(&text).map_err(|e| {
            InjectError::Render(format!("template {name:?} did not produce valid YAML: {e}"))
        })?;
        match overlay {
            // An empty document patches nothing, as in Istio.
            Value::Null => Ok(Value::Object(serde_json::Map::new())),
            Value::Object(_) => Ok(overlay),
            other => Err(InjectError::Render(format!(
                "template {name:?} must produce a YAML mapping (a partial Pod), not {}",
                match other {
                    Value::Array(_) => "a list",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    _ => "a boolean",
                }
            ))),
        }
    }
}
