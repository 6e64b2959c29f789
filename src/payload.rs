//! The waPC payload of `validate` (`{"request": …, "settings": …}`), read once and only as far
//! as the policy looks at it.
//!
//! The SDK's `ValidationRequest<Value>` reads every field of the AdmissionRequest (user, old
//! object, options) and the settings into a JSON tree that is then read again into
//! [`Settings`]. Here the request keeps the fields a decision reads, the rest of it is skipped,
//! and the settings are borrowed as text and read straight into [`Settings`]. The pod is read
//! with each object's map allocated at its final size.

use std::fmt;

use kubewarden_policy_sdk::request::{GroupVersionKind, KubernetesAdmissionRequest};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::json_text::Reader;
use crate::settings::Settings;

/// The request and its settings, or why the payload cannot be read.
pub fn decode(payload: &[u8]) -> Result<(KubernetesAdmissionRequest, Settings), String> {
    match read_directly(payload) {
        Some((request, Some((tree, text)))) => Ok((request, Settings::from_read(tree, text)?)),
        Some((request, None)) => Ok((request, Settings::default())),
        // Whatever the direct reader leaves, and every malformed payload, is read by
        // serde_json alone: its answer and its error texts are the policy's.
        None => {
            let Payload { request, settings } = serde_json::from_slice(payload)
                .map_err(|e| format!("cannot decode the admission request: {e}"))?;
            let settings = Settings::from_text(settings.map(RawValue::get).unwrap_or_default())?;
            Ok((request.with_object(|o| o.0), settings))
        }
    }
}

/// The settings as the payload holds them: read, and their text.
type ReadSettings<'a> = (Value, &'a str);

/// The payload read by [`crate::json_text`] alone, or `None` when any of it needs serde_json.
/// The settings are read on the way (not `null`), their text kept for the error path.
fn read_directly(payload: &[u8]) -> Option<(KubernetesAdmissionRequest, Option<ReadSettings<'_>>)> {
    let mut reader = Reader::new(std::str::from_utf8(payload).ok()?);
    let (mut request, mut settings) = (None, None);
    reader.members(b'{', |r| {
        match r.key()?.as_str() {
            // A repeated field is an error to serde, whose text the fallback gives.
            "request" if request.is_none() => request = Some(read_request(r)?),
            "settings" if settings.is_none() => settings = Some(r.value_with_text()?),
            "request" | "settings" => return None,
            _ => _ = r.skip()?,
        }
        Some(())
    })?;
    reader.end()?;
    let request = request.unwrap_or_default();
    Some((
        request.with_object(|o| o),
        settings.filter(|(tree, _)| !tree.is_null()),
    ))
}

/// The fields of [`Request`], as serde reads them (the pod whole, the rest skipped).
fn read_request(r: &mut Reader) -> Option<Request<Value>> {
    let mut request = Request::<Value>::default();
    let mut seen = 0u8;
    r.members(b'{', |r| {
        let key = r.key()?;
        let field = match key.as_str() {
            "kind" => 1,
            "operation" => 2,
            "subResource" | "sub_resource" => 4,
            "namespace" => 8,
            "object" => 16,
            _ => return r.skip().map(drop),
        };
        if seen & field != 0 {
            return None;
        }
        seen |= field;
        match field {
            1 => request.kind = read_kind(r)?,
            2 => request.operation = r.string()?,
            4 => request.sub_resource = r.string()?,
            8 => request.namespace = r.string()?,
            _ => request.object = r.value()?,
        }
        Some(())
    })?;
    Some(request)
}

fn read_kind(r: &mut Reader) -> Option<GroupVersionKind> {
    let mut kind = GroupVersionKind::default();
    let mut seen = 0u8;
    r.members(b'{', |r| {
        let key = r.key()?;
        let (field, bit) = match key.as_str() {
            "group" => (&mut kind.group, 1),
            "version" => (&mut kind.version, 2),
            "kind" => (&mut kind.kind, 4),
            _ => return r.skip().map(drop),
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        *field = r.string()?;
        Some(())
    })?;
    Some(kind)
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(default)]
    request: Request<SizedValue>,
    #[serde(borrow)]
    settings: Option<&'a RawValue>,
}

/// What [`crate::admission`] reads of an AdmissionRequest, spelt as the SDK accepts it; the
/// pod as `O`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Request<O> {
    kind: GroupVersionKind,
    operation: String,
    #[serde(alias = "subResource")]
    sub_resource: String,
    namespace: String,
    object: O,
}

impl<O> Request<O> {
    fn with_object(self, object: impl FnOnce(O) -> Value) -> KubernetesAdmissionRequest {
        KubernetesAdmissionRequest {
            kind: self.kind,
            operation: self.operation,
            sub_resource: self.sub_resource,
            namespace: self.namespace,
            object: object(self.object),
            ..KubernetesAdmissionRequest::default()
        }
    }
}

/// A JSON value as `serde_json` reads it (same numbers, same last-wins for a repeated key,
/// same depth limit), but with each array and object allocated once at its final size: the
/// stock reader grows every map, and its hash index, by doubling as keys arrive.
#[derive(Default)]
struct SizedValue(Value);

impl<'de> Deserialize<'de> for SizedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SizedVisitor).map(SizedValue)
    }
}

struct SizedVisitor;

impl<'de> Visitor<'de> for SizedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        SizedValue::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(SizedValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some((key, SizedValue(value))) = map.next_entry()? {
            entries.push((key, value));
        }
        let mut object = Map::with_capacity(entries.len());
        for (key, value) in entries {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// What a decision reads of a decoded payload, comparable.
    fn fields(request: KubernetesAdmissionRequest, settings: Option<ReadSettings>) -> [Value; 7] {
        [
            json!(request.kind.group),
            json!(request.kind.version),
            json!(request.kind.kind),
            json!(request.operation),
            json!(request.sub_resource),
            json!(request.namespace),
            json!([request.object, settings]),
        ]
    }

    /// Payloads near the shape of an AdmissionReview's: the fields a decision reads, others,
    /// repeated ones, wrong types, spelt in JSON by hand.
    fn payload_text() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            Just("null".to_owned()),
            Just("\"CREATE\"".to_owned()),
            Just("\"a\\u0062\\n\"".to_owned()),
            Just("7".to_owned()),
            Just("-1.5e3".to_owned()),
            Just("[1, \"x\", {}]".to_owned()),
            Just(r#"{"group": "", "version": "v1", "kind": "Pod", "x": [null]}"#.to_owned()),
            Just(r#"{"kind": "Pod", "kind": "Pod"}"#.to_owned()),
            Just(r#"["", "v1", "Pod"]"#.to_owned()),
            Just(
                r#"{"metadata": {"name": "web"}, "spec": {"containers": [{"name": "a"}]}}"#
                    .to_owned()
            ),
        ];
        let key = prop_oneof![
            Just("kind"),
            Just("operation"),
            Just("subResource"),
            Just("sub_resource"),
            Just("namespace"),
            Just("object"),
            Just("uid"),
            Just("userInfo"),
            Just("\\u006bind"),
        ];
        let request = prop::collection::vec((key, scalar.clone()), 0..7).prop_map(|fields| {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{{}}}", fields.join(", "))
        });
        let top = prop_oneof![
            request.prop_map(|r| ("request", r)),
            scalar.clone().prop_map(|v| ("request", v)),
            scalar.clone().prop_map(|v| ("settings", v)),
            scalar.prop_map(|v| ("other", v)),
        ];
        (prop::collection::vec(top, 0..4), any::<bool>()).prop_map(|(fields, spaced)| {
            let sep = if spaced { " ,\n " } else { "," };
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", fields.join(sep))
        })
    }

    proptest! {
        /// The direct reader answers only where serde_json does, and with serde_json's answer.
        #[test]
        fn reads_a_payload_as_serde_json_does(text in payload_text()) {
            let stock = serde_json::from_slice::<Payload>(text.as_bytes())
                .map(|Payload { request, settings }| {
                    let settings = settings.map(|raw| {
                        (serde_json::from_str::<Value>(raw.get()).unwrap(), raw.get())
                    });
                    fields(request.with_object(|o| o.0), settings)
                });
            if let Some((request, settings)) = read_directly(text.as_bytes()) {
                prop_assert_eq!(Ok(fields(request, settings)), stock.map_err(drop), "{}", text);
            }
        }
    }

    fn sized(text: &str) -> Value {
        serde_json::from_str::<SizedValue>(text).unwrap().0
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let texts = [
            r#"{"b": 1, "a": [1, -2, 3.5, 1e300, null, true, false, "x\u2028\"y"], "c": {}}"#,
            r#"{"k": 1, "j": 2, "k": 3}"#,
            r#"[[], [{}], {"": ""}, 18446744073709551615, -9223372036854775808]"#,
            r#"[18446744073709551616, -9223372036854775809, -0, 0, -0.0, 1E5, 1e-5, 2.5E+3]"#,
            r#""esc \b\f\n\r\t\/\\ \ud83d\ude00 \u00e9 é""#,
            " \t\n\r{ \"a\" : [ 1 , 2 ] } \n",
            r#""just a string""#,
            "0.1",
        ];
        for text in texts {
            let stock: Value = serde_json::from_str(text).unwrap();
            // Same key order and float signs, too: the pod's keys travel in the order they came.
            for ours in [sized(text), crate::json_text::read(text).unwrap()] {
                assert_eq!(ours, stock, "{text}");
                assert_eq!(ours.to_string(), stock.to_string(), "{text}");
            }
        }
    }

    #[test]
    fn keeps_serde_jsons_depth_limit() {
        let deep = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
        let err = serde_json::from_str::<SizedValue>(&deep).err().unwrap();
        assert!(
            err.to_string().contains("recursion limit exceeded"),
            "{err}"
        );
    }

    #[test]
    fn decodes_the_fields_a_decision_reads() {
        let payload = json!({
            "request": {
                "uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "operation": "CREATE", "subResource": "status", "namespace": "demo",
                "userInfo": {"username": "someone"}, "oldObject": null,
                "object": {"metadata": {"name": "web"}, "spec": {"containers": []}}
            },
            "settings": {"revision": "canary"}
        });
        assert!(read_directly(payload.to_string().as_bytes()).is_some());
        let (request, settings) = decode(payload.to_string().as_bytes()).unwrap();
        assert_eq!(request.kind.kind, "Pod");
        assert_eq!(request.operation, "CREATE");
        assert_eq!(request.sub_resource, "status");
        assert_eq!(request.namespace, "demo");
        assert_eq!(request.object, payload["request"]["object"]);
        assert_eq!(settings.revision(), "canary");
    }

    #[test]
    fn pods_the_direct_reader_leaves_are_serde_jsons_to_answer() {
        // A lone surrogate, a float past f64, nesting past serde_json's limit: read or refused
        // exactly as serde_json alone reads or refuses them.
        let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
        let pods = [r#"{"a": "\ud800"}"#, r#"{"a": 1e400}"#, "{\"a\": 1}", &deep];
        for pod in pods {
            let payload = format!(r#"{{"request": {{"operation": "CREATE", "object": {pod}}}}}"#);
            let stock = serde_json::from_slice::<Payload>(payload.as_bytes())
                .map(|p| p.request.object.0)
                .map_err(|e| format!("cannot decode the admission request: {e}"));
            let ours = decode(payload.as_bytes()).map(|(request, _)| request.object);
            assert_eq!(ours, stock, "{pod}");
        }
    }

    #[test]
    fn missing_or_null_settings_are_the_defaults() {
        for payload in [
            json!({"request": {"operation": "CREATE"}}),
            json!({"request": {"operation": "CREATE"}, "settings": null}),
        ] {
            let (_, settings) = decode(payload.to_string().as_bytes()).unwrap();
            assert_eq!(settings, Settings::default());
        }
    }

    #[test]
    fn bad_payloads_and_settings_are_named() {
        let err = decode(b"{\"request\": [").err().unwrap();
        assert!(
            err.starts_with("cannot decode the admission request"),
            "{err}"
        );
        let err = decode(br#"{"request": {"object": 5, "operation": 7}}"#)
            .err()
            .unwrap();
        assert!(
            err.starts_with("cannot decode the admission request"),
            "{err}"
        );
        let payload = json!({"request": {}, "settings": {"proxyOverrides": {"image": 3}}});
        let err = decode(payload.to_string().as_bytes()).err().unwrap();
        assert!(err.starts_with("invalid settings: proxyOverrides"), "{err}");
        assert!(!err.contains("line 1"), "{err}");
    }
}
