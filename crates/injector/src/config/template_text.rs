//! A template's text, as the injector config holds it. Read from the chart-shaped ConfigMap
//! string (see [`super::block_templates`]) it stays a place in that text until something reads
//! it: every request reads the config, a pod usually selects one of its eight templates, and
//! cutting out the others' lines was most of reading the config on a fresh policy instance.
//! Clones share the text, cut out at most once.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use super::block_templates::{self, Scalar};

/// The Go template text of one injection template.
#[derive(Clone)]
pub struct TemplateText(Arc<Inner>);

struct Inner {
    text: OnceLock<Arc<String>>,
    /// The config text the template is a literal scalar of, when it has not been cut out.
    block: Option<(Arc<String>, Scalar)>,
}

impl TemplateText {
    /// The scalar `scalar` of the config text `config`, cut out when first read.
    pub(super) fn in_block(config: Arc<String>, scalar: Scalar) -> TemplateText {
        TemplateText(Arc::new(Inner {
            text: OnceLock::new(),
            block: Some((config, scalar)),
        }))
    }

    pub fn as_str(&self) -> &str {
        self.text()
    }

    /// The text, shared rather than copied (the template parser keeps it).
    pub fn shared(&self) -> Arc<String> {
        self.text().clone()
    }

    fn text(&self) -> &Arc<String> {
        self.0.text.get_or_init(|| match &self.0.block {
            Some((config, scalar)) => Arc::new(block_templates::cut(config, *scalar)),
            None => Arc::default(),
        })
    }
}

impl From<String> for TemplateText {
    fn from(text: String) -> TemplateText {
        TemplateText(Arc::new(Inner {
            text: OnceLock::from(Arc::new(text)),
            block: None,
        }))
    }
}

impl From<&str> for TemplateText {
    fn from(text: &str) -> TemplateText {
        TemplateText::from(text.to_string())
    }
}

impl Deref for TemplateText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TemplateText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for TemplateText {
    fn eq(&self, other: &TemplateText) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.as_str() == other.as_str()
    }
}

impl Eq for TemplateText {}

impl PartialEq<str> for TemplateText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TemplateText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for TemplateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_cut_once_and_shared_by_clones() {
        let config =
            Arc::new("templates:\n  a: |\n    one\n\n    two\n  b: |\n    x\n".to_string());
        let (_, scalars) = block_templates::split(&config).unwrap();
        let scalar = |name: &str| scalars.iter().find(|(n, _)| *n == name).unwrap().1;
        let a = TemplateText::in_block(config.clone(), scalar("a"));
        let copy = a.clone();
        assert_eq!(a, "one\n\ntwo\n");
        assert!(std::ptr::eq(a.as_str(), copy.as_str()));
        assert_eq!(TemplateText::in_block(config.clone(), scalar("b")), "x\n");
        assert_eq!(
            TemplateText::from("x\n"),
            TemplateText::from("x\n".to_string())
        );
    }
}
