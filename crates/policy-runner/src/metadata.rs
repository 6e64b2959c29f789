//! Kubewarden policy metadata, as `kwctl annotate` embeds it: read `policy-metadata.yml`,
//! check it, add the kwctl annotations, serialise it as JSON in policy-evaluator's `Metadata`
//! shape and store it in the wasm custom section `kubewarden_metadata`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{HarnessError, Result};

/// Name of the wasm custom section holding the metadata JSON.
pub const METADATA_SECTION: &str = "kubewarden_metadata";
/// Annotation carrying the annotating tool's version.
pub const ANNOTATION_KWCTL_VERSION: &str = "io.kubewarden.kwctl";
/// Annotation carrying the usage text (the README).
pub const ANNOTATION_POLICY_USAGE: &str = "io.kubewarden.policy.usage";

const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];
const EXECUTION_MODES: &[&str] = &["kubewarden-wapc", "opa", "gatekeeper", "wasi"];
const POLICY_TYPES: &[&str] = &["kubernetes", "raw"];

/// One admission rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
}

/// A kind the policy may read through `get_resource`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextAwareResource {
    pub api_version: String,
    pub kind: String,
}

/// policy-evaluator's `Metadata`, field for field, in its serialisation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default)]
    pub protocol_version: Option<String>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    pub mutating: bool,
    #[serde(default = "default_true")]
    pub background_audit: bool,
    #[serde(default = "default_execution_mode")]
    pub execution_mode: String,
    #[serde(default = "default_policy_type")]
    pub policy_type: String,
    #[serde(default)]
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<BTreeSet<String>>,
}

fn default_true() -> bool {
    true
}

fn default_execution_mode() -> String {
    "kubewarden-wapc".to_owned()
}

fn default_policy_type() -> String {
    "kubernetes".to_owned()
}

const KNOWN_KEYS: &[&str] = &[
    "protocolVersion",
    "rules",
    "annotations",
    "mutating",
    "backgroundAudit",
    "executionMode",
    "policyType",
    "contextAwareResources",
    "minimumKubewardenVersion",
    "hostCapabilities",
];

impl Metadata {
    /// Parses a metadata YAML (or JSON) document. Returns the metadata and the top-level keys
    /// it does not know (kwctl ignores them; callers may warn).
    pub fn from_yaml(text: &str) -> Result<(Metadata, Vec<String>)> {
        let value: Value =
            serde_yaml_ng::from_str(text).map_err(|e| HarnessError::input("policy metadata", e))?;
        let Some(map) = value.as_object() else {
            return Err(HarnessError::input("policy metadata", "not a YAML mapping"));
        };
        if !map.contains_key("mutating") {
            return Err(HarnessError::input(
                "policy metadata",
                "`mutating` is required (true for a mutating policy)",
            ));
        }
        let unknown = map
            .keys()
            .filter(|key| !KNOWN_KEYS.contains(&key.as_str()))
            .cloned()
            .collect();
        let metadata =
            serde_json::from_value(value).map_err(|e| HarnessError::input("policy metadata", e))?;
        Ok((metadata, unknown))
    }

    /// The checks kwctl runs before embedding (policy-evaluator's `Metadata::validate`).
    pub fn validate(&self) -> Result<()> {
        let fail = |message: String| Err(HarnessError::input("policy metadata", message));
        if !EXECUTION_MODES.contains(&self.execution_mode.as_str()) {
            return fail(format!(
                "executionMode `{}` is not one of {}",
                self.execution_mode,
                EXECUTION_MODES.join(", ")
            ));
        }
        if !POLICY_TYPES.contains(&self.policy_type.as_str()) {
            return fail(format!(
                "policyType `{}` is not one of kubernetes, raw",
                self.policy_type
            ));
        }
        match self.protocol_version.as_deref() {
            None => return fail("protocolVersion is required".to_owned()),
            Some("Unknown") if self.execution_mode == "kubewarden-wapc" => {
                return fail("Must specify a valid protocol version".to_owned());
            }
            _ => {}
        }
        for (index, rule) in self.rules.iter().enumerate() {
            let at = |field: &str| format!("rules[{index}].{field}");
            for (field, values) in [
                ("apiGroups", &rule.api_groups),
                ("apiVersions", &rule.api_versions),
                ("resources", &rule.resources),
                ("operations", &rule.operations),
            ] {
                if values.is_empty() {
                    return fail(format!("{} must not be empty", at(field)));
                }
                if values.iter().any(|v| v == "*") && values.len() > 1 {
                    return fail(format!(
                        "{}: no other elements can be defined when '*' is used",
                        at(field)
                    ));
                }
            }
            if let Some(op) = rule
                .operations
                .iter()
                .find(|op| !OPERATIONS.contains(&op.as_str()))
            {
                return fail(format!("{}: unknown operation `{op}`", at("operations")));
            }
            if rule.resources.iter().any(String::is_empty) {
                return fail(format!(
                    "{}: empty resource is not allowed",
                    at("resources")
                ));
            }
        }
        for resource in &self.context_aware_resources {
            if resource.api_version.is_empty() || resource.kind.is_empty() {
                return fail("contextAwareResources entries need apiVersion and kind".to_owned());
            }
        }
        if let Some(version) = &self.minimum_kubewarden_version
            && !is_semver(version)
        {
            return fail(format!(
                "minimumKubewardenVersion `{version}` is not a semver"
            ));
        }
        Ok(())
    }

    /// Adds what `kwctl annotate` adds: its own version and, when given, the usage text.
    pub fn annotate(&mut self, tool_version: &str, usage: Option<&str>) {
        let annotations = self.annotations.get_or_insert_with(BTreeMap::new);
        annotations.insert(ANNOTATION_KWCTL_VERSION.to_owned(), tool_version.to_owned());
        if let Some(usage) = usage {
            annotations.insert(ANNOTATION_POLICY_USAGE.to_owned(), usage.to_owned());
        }
    }

    /// The metadata embedded in `wasm`, if any (the first `kubewarden_metadata` section).
    pub fn from_wasm(wasm: &[u8]) -> Result<Option<Metadata>> {
        for section in custom_sections(wasm)? {
            if section.name == METADATA_SECTION {
                let metadata = serde_json::from_slice(section.data)
                    .map_err(|e| HarnessError::input("embedded policy metadata", e))?;
                return Ok(Some(metadata));
            }
        }
        Ok(None)
    }
}

fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts = core.split('.').collect::<Vec<_>>();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the module exports `opa_*` functions (a Rego policy, not a waPC one).
pub fn is_rego_module(wasm: &[u8]) -> Result<bool> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| HarnessError::input("wasm module", e))?;
        if let wasmparser::Payload::ExportSection(exports) = payload {
            for export in exports {
                let export = export.map_err(|e| HarnessError::input("wasm module", e))?;
                if export.name.starts_with("opa_") {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// A top-level custom section of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomSection<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

struct RawSection<'a> {
    id: u8,
    /// The whole section: id, size and content.
    bytes: &'a [u8],
    content: &'a [u8],
}

const WASM_HEADER_LEN: usize = 8;

fn sections(wasm: &[u8]) -> Result<Vec<RawSection<'_>>> {
    let bad = |message: &str| HarnessError::input("wasm module", message);
    let header = wasm
        .get(..WASM_HEADER_LEN)
        .ok_or_else(|| bad("shorter than a header"))?;
    if header.get(..4) != Some(b"\0asm".as_slice()) {
        return Err(bad("no \\0asm magic"));
    }
    if header.get(4..) != Some([1, 0, 0, 0].as_slice()) {
        return Err(bad(
            "not a core module of version 1 (components are not supported)",
        ));
    }
    let mut sections = Vec::new();
    let mut offset = WASM_HEADER_LEN;
    while offset < wasm.len() {
        let start = offset;
        let id = *wasm
            .get(offset)
            .ok_or_else(|| bad("truncated section id"))?;
        offset += 1;
        let (size, used) = read_leb_u32(wasm.get(offset..).unwrap_or_default())
            .ok_or_else(|| bad("bad section size"))?;
        offset += used;
        let end = offset
            .checked_add(usize::try_from(size).map_err(|_| bad("section too large"))?)
            .filter(|end| *end <= wasm.len())
            .ok_or_else(|| bad("section runs past the end"))?;
        sections.push(RawSection {
            id,
            bytes: wasm.get(start..end).unwrap_or_default(),
            content: wasm.get(offset..end).unwrap_or_default(),
        });
        offset = end;
    }
    Ok(sections)
}

fn custom_section_of<'a>(section: &RawSection<'a>) -> Result<Option<CustomSection<'a>>> {
    if section.id != 0 {
        return Ok(None);
    }
    let bad = |message: &str| HarnessError::input("wasm custom section", message);
    let (len, used) = read_leb_u32(section.content).ok_or_else(|| bad("bad name length"))?;
    let len = usize::try_from(len).map_err(|_| bad("name too long"))?;
    let name = section
        .content
        .get(used..used.saturating_add(len))
        .ok_or_else(|| bad("name runs past the section"))?;
    let name = std::str::from_utf8(name).map_err(|_| bad("name is not UTF-8"))?;
    let data = section.content.get(used + len..).unwrap_or_default();
    Ok(Some(CustomSection { name, data }))
}

/// All top-level custom sections, in module order.
pub fn custom_sections(wasm: &[u8]) -> Result<Vec<CustomSection<'_>>> {
    let mut found = Vec::new();
    for section in sections(wasm)? {
        if let Some(custom) = custom_section_of(&section)? {
            found.push(custom);
        }
    }
    Ok(found)
}

/// `wasm` with every `name` custom section removed and one new `name` section holding `data`
/// appended, so annotating twice leaves one section.
pub fn replace_custom_section(wasm: &[u8], name: &str, data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(wasm.len() + data.len() + name.len() + 16);
    out.extend_from_slice(wasm.get(..WASM_HEADER_LEN).unwrap_or_default());
    for section in sections(wasm)? {
        let is_replaced = custom_section_of(&section)?.is_some_and(|c| c.name == name);
        if !is_replaced {
            out.extend_from_slice(section.bytes);
        }
    }
    let too_large = || HarnessError::input("custom section", "larger than 4 GiB");
    let name_len = u32::try_from(name.len()).map_err(|_| too_large())?;
    let mut content = Vec::with_capacity(name.len() + data.len() + 5);
    write_leb_u32(&mut content, name_len);
    content.extend_from_slice(name.as_bytes());
    content.extend_from_slice(data);
    out.push(0);
    write_leb_u32(
        &mut out,
        u32::try_from(content.len()).map_err(|_| too_large())?,
    );
    out.extend_from_slice(&content);
    Ok(out)
}

fn read_leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (index, byte) in bytes.iter().take(5).enumerate() {
        let bits = u32::from(byte & 0x7f);
        let shift = 7 * u32::try_from(index).ok()?;
        if index == 4 && bits > 0x0f {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

fn write_leb_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"
rules:
- apiGroups: [""]
  apiVersions: ["v1"]
  resources: ["pods"]
  operations: ["CREATE"]
mutating: true
contextAwareResources:
- apiVersion: v1
  kind: Namespace
executionMode: kubewarden-wapc
annotations:
  io.kubewarden.policy.title: istio-sidecar-injector
"#;

    /// `(module)` plus one custom section, hand-encoded.
    fn module_with_section(name: &str, data: &[u8]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut content = vec![u8::try_from(name.len()).unwrap()];
        content.extend_from_slice(name.as_bytes());
        content.extend_from_slice(data);
        wasm.push(0);
        wasm.push(u8::try_from(content.len()).unwrap());
        wasm.extend_from_slice(&content);
        wasm
    }

    #[test]
    fn metadata_serialises_in_kwctl_shape() {
        let (mut metadata, unknown) = Metadata::from_yaml(METADATA).unwrap();
        assert!(unknown.is_empty());
        metadata.protocol_version = Some("v1".to_owned());
        metadata.annotate("1.2.3", Some("# usage"));
        metadata.validate().unwrap();
        let json = serde_json::to_value(&metadata).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "protocolVersion": "v1",
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                           "operations": ["CREATE"]}],
                "annotations": {"io.kubewarden.kwctl": "1.2.3",
                                "io.kubewarden.policy.title": "istio-sidecar-injector",
                                "io.kubewarden.policy.usage": "# usage"},
                "mutating": true,
                "backgroundAudit": true,
                "executionMode": "kubewarden-wapc",
                "policyType": "kubernetes",
                "contextAwareResources": [{"apiVersion": "v1", "kind": "Namespace"}]
            })
        );
    }

    #[test]
    fn validation_catches_what_kwctl_refuses() {
        let (base, _) = Metadata::from_yaml(METADATA).unwrap();
        let mut m = base.clone();
        assert!(
            m.validate()
                .unwrap_err()
                .to_string()
                .contains("protocolVersion")
        );
        m.protocol_version = Some("Unknown".into());
        assert!(
            m.validate()
                .unwrap_err()
                .to_string()
                .contains("valid protocol version")
        );
        m.protocol_version = Some("v1".into());
        m.validate().unwrap();
        let mut bad = m.clone();
        bad.rules[0].operations = vec!["CREATE".into(), "*".into()];
        assert!(bad.validate().unwrap_err().to_string().contains("'*'"));
        let mut bad = m.clone();
        bad.execution_mode = "wapc".into();
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("executionMode")
        );
        let mut bad = m;
        bad.rules[0].operations = vec!["PATCH".into()];
        assert!(bad.validate().unwrap_err().to_string().contains("PATCH"));
    }

    #[test]
    fn mutating_is_required_and_unknown_keys_are_reported() {
        let error = Metadata::from_yaml("rules: []\n").unwrap_err();
        assert!(error.to_string().contains("mutating"), "{error}");
        let (_, unknown) = Metadata::from_yaml("mutating: false\nflavour: x\n").unwrap();
        assert_eq!(unknown, vec!["flavour".to_owned()]);
    }

    #[test]
    fn replacing_a_section_twice_leaves_one() {
        let wasm = module_with_section("name", b"keep me");
        let once =
            replace_custom_section(&wasm, METADATA_SECTION, br#"{"mutating":true}"#).unwrap();
        let twice =
            replace_custom_section(&once, METADATA_SECTION, br#"{"mutating":false}"#).unwrap();
        let sections = custom_sections(&twice).unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(
            sections[0],
            CustomSection {
                name: "name",
                data: b"keep me"
            }
        );
        assert_eq!(sections[1].name, METADATA_SECTION);
        assert_eq!(sections[1].data, br#"{"mutating":false}"#);
        wasmparser::validate(&twice).unwrap();
        let metadata = Metadata::from_wasm(&twice).unwrap().unwrap();
        assert!(!metadata.mutating);
    }

    #[test]
    fn long_sections_use_multi_byte_sizes() {
        let data = vec![b'x'; 300];
        let wasm = replace_custom_section(b"\0asm\x01\0\0\0", "big", &data).unwrap();
        wasmparser::validate(&wasm).unwrap();
        assert_eq!(custom_sections(&wasm).unwrap()[0].data.len(), 300);
    }

    #[test]
    fn truncated_or_foreign_bytes_are_errors_not_panics() {
        assert!(custom_sections(b"\0asm").is_err());
        assert!(custom_sections(b"\0asm\x01\0\0\0\0\x05ab").is_err());
        assert!(custom_sections(b"\0asm\x0d\0\x01\0").is_err());
        assert!(custom_sections(b"notwasm!").is_err());
    }

    #[test]
    fn leb128_round_trips() {
        for value in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut bytes = Vec::new();
            write_leb_u32(&mut bytes, value);
            assert_eq!(read_leb_u32(&bytes), Some((value, bytes.len())));
        }
        assert_eq!(read_leb_u32(&[0x80, 0x80]), None);
    }
}
