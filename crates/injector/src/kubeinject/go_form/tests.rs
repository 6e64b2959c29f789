//! Both shortcuts against the whole-object normalizer they replace, on objects built from the
//! schema itself: every field kind, nulls, unknown keys, shuffled keys, wrong JSON types.

use super::*;
use proptest::prelude::*;

/// A small deterministic generator, so that one proptest seed describes a whole object.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or("")
    }
}

/// Any JSON type, for the odd value of the wrong type.
fn stray(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => Value::from(rng.below(5)),
        3 => Value::String(rng.pick(&["", "x", "1", "100m"]).to_string()),
        4 => Value::Array(Vec::new()),
        _ => Value::Object(Map::new()),
    }
}

fn value_of(kind: Kind, rng: &mut Rng, depth: u32) -> Value {
    if rng.chance(25) {
        return stray(rng);
    }
    match kind {
        Kind::String | Kind::Time => Value::String(
            rng.pick(&["", "a", "name", "1", "true", "2001-12-14"])
                .to_string(),
        ),
        Kind::Bool => Value::Bool(rng.chance(2)),
        Kind::Int32 | Kind::Int64 => match rng.below(3) {
            0 => Value::from(0),
            1 => Value::from(rng.below(100_000)),
            _ => serde_json::json!(3.0),
        },
        Kind::Quantity => match rng.below(3) {
            0 => Value::String(rng.pick(&["100m", "1000m", "0", "1Gi", "2"]).to_string()),
            1 => Value::from(rng.below(4)),
            _ => serde_json::json!(0.5),
        },
        Kind::IntOrString => match rng.below(2) {
            0 => Value::from(rng.below(9000)),
            _ => Value::String(rng.pick(&["http", "8080", "25%"]).to_string()),
        },
        Kind::Raw => serde_json::json!({"b": [1, {"a": null}], "a": "x"}),
        Kind::Struct(s) if depth < 4 => struct_of(s, rng, depth + 1),
        Kind::Struct(_) => Value::Object(Map::new()),
        Kind::Slice(elem) => Value::Array(
            (0..rng.below(4))
                .map(|_| element_of(elem, rng, depth))
                .collect(),
        ),
        Kind::Map(elem) => Value::Object(
            (0..rng.below(3))
                .map(|i| (format!("k{i}"), element_of(elem, rng, depth)))
                .collect(),
        ),
    }
}

fn element_of(elem: Elem, rng: &mut Rng, depth: u32) -> Value {
    if rng.chance(12) {
        Value::Null
    } else {
        value_of(elem.kind(), rng, depth + 1)
    }
}

/// A few of the struct's fields (in a shuffled order), now and then null or unknown.
fn struct_of(ty: &'static Struct, rng: &mut Rng, depth: u32) -> Value {
    let fields: Vec<&'static Field> = ty.flat_fields().collect();
    let mut map = Map::new();
    for _ in 0..rng.below(7) {
        let index = usize::try_from(rng.below(fields.len() as u64)).unwrap_or(0);
        let Some(field) = fields.get(index) else {
            continue;
        };
        let value = if rng.chance(10) {
            Value::Null
        } else {
            value_of(field.kind, rng, depth)
        };
        map.insert(field.json.to_string(), value);
    }
    if rng.chance(6) {
        map.insert("x-unknown".to_string(), Value::from(1));
    }
    Value::Object(map)
}

fn whole(ty: &'static Struct, value: Value) -> Result<Value, SchemaError> {
    k8s::normalize_owned(ty, value, &NormalizeOptions::go())
}

/// Key order too: the maps must stay in Go's field order for the next normalization.
fn text(result: Result<Value, SchemaError>) -> Result<String, SchemaError> {
    result.map(|value| value.to_string())
}

const TYPES: [&Struct; 3] = [&k8s::POD_SPEC, &k8s::OBJECT_META, &k8s::CONTAINER];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The two steps are the whole normalizer, key order and errors included (decoding
    /// words them).
    #[test]
    fn two_steps_are_the_whole_normalizer(seed in any::<u64>(), which in 0usize..3) {
        let ty = TYPES[which];
        let value = struct_of(ty, &mut Rng(seed | 1), 0);
        prop_assert_eq!(text(go_struct(ty, value.clone())), text(whole(ty, value)));
    }

    /// A value already in Go's form comes back unchanged.
    #[test]
    fn gos_form_is_kept(seed in any::<u64>(), which in 0usize..3) {
        let ty = TYPES[which];
        if let Ok(value) = whole(ty, struct_of(ty, &mut Rng(seed | 1), 0)) {
            prop_assert_eq!(text(go_struct(ty, value.clone())), Ok(value.to_string()));
        }
    }
}

#[test]
fn an_injected_container_gets_gos_zero_values_in_place() {
    let spec = serde_json::json!({"containers": [
        {"name": "app", "image": "a", "resources": {}},
        {"name": "proxy", "args": ["x"], "x-unknown": 1, "tty": true},
    ]});
    let got = go_struct(&k8s::POD_SPEC, spec).map(|spec| spec.to_string());
    assert_eq!(
        got.as_deref(),
        Ok(concat!(
            r#"{"containers":[{"name":"app","image":"a","resources":{}},"#,
            r#"{"name":"proxy","args":["x"],"resources":{},"tty":true}]}"#
        ))
    );
}
