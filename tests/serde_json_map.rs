//! The patched serde_json's object map (`vendor/serde_json/src/map/ordered.rs`) against
//! `IndexMap`, whose behaviour it must keep: the same operations on both, from empty maps
//! through sizes where the patched map scans its entries to sizes where it indexes them, must
//! leave the same entries in the same order and return the same results.

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, i64),
    ShiftInsert(u8, u8, i64),
    Remove(u8),
    SwapRemoveEntry(u8),
    ShiftRemove(u8),
    ShiftRemoveEntry(u8),
    EntryOrInsert(u8, i64),
    EntryAndModify(u8),
    EntryRemove(u8),
    EntryShiftRemove(u8),
    EntryInsert(u8, i64),
    Retain(u8),
    SortKeys,
    Append(Vec<(u8, i64)>),
    Extend(Vec<(u8, i64)>),
    Clear,
}

/// Keys from a pool a little larger than the maps get, so that most operations meet both
/// present and absent keys; some share a length, so scans compare bytes.
fn key(k: u8) -> String {
    match k % 3 {
        0 => format!("k{k}"),
        1 => format!("key-{k:03}"),
        _ => format!("{k:02}x"),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0u8..40;
    let pairs = prop::collection::vec((0u8..40, any::<i64>()), 0..20);
    prop_oneof![
        6 => (k.clone(), any::<i64>()).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => (any::<u8>(), k.clone(), any::<i64>()).prop_map(|(i, k, v)| Op::ShiftInsert(i, k, v)),
        2 => k.clone().prop_map(Op::Remove),
        1 => k.clone().prop_map(Op::SwapRemoveEntry),
        2 => k.clone().prop_map(Op::ShiftRemove),
        1 => k.clone().prop_map(Op::ShiftRemoveEntry),
        2 => (k.clone(), any::<i64>()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        1 => k.clone().prop_map(Op::EntryAndModify),
        1 => k.clone().prop_map(Op::EntryRemove),
        1 => k.clone().prop_map(Op::EntryShiftRemove),
        1 => (k, any::<i64>()).prop_map(|(k, v)| Op::EntryInsert(k, v)),
        1 => any::<u8>().prop_map(Op::Retain),
        1 => Just(Op::SortKeys),
        1 => pairs.clone().prop_map(Op::Append),
        1 => pairs.prop_map(Op::Extend),
        1 => Just(Op::Clear),
    ]
}

fn num(v: i64) -> Value {
    json!(v)
}

/// What `take` makes of an occupied entry; `None` for a vacant one.
fn occupied<T>(
    entry: serde_json::map::Entry<'_>,
    take: impl FnOnce(serde_json::map::OccupiedEntry<'_>) -> T,
) -> Option<T> {
    match entry {
        serde_json::map::Entry::Occupied(e) => Some(take(e)),
        serde_json::map::Entry::Vacant(_) => None,
    }
}

/// [`occupied`] for the model's entries.
fn model_occupied<'a, T>(
    entry: indexmap::map::Entry<'a, String, Value>,
    take: impl FnOnce(indexmap::map::OccupiedEntry<'a, String, Value>) -> T,
) -> Option<T> {
    match entry {
        indexmap::map::Entry::Occupied(e) => Some(take(e)),
        indexmap::map::Entry::Vacant(_) => None,
    }
}

/// Applies `op` to both maps; what each returns, as text, must agree.
fn apply(map: &mut Map<String, Value>, model: &mut IndexMap<String, Value>, op: &Op) {
    let (got, want) = match op {
        Op::Insert(k, v) => (
            format!("{:?}", map.insert(key(*k), num(*v))),
            format!("{:?}", model.insert(key(*k), num(*v))),
        ),
        Op::ShiftInsert(i, k, v) => {
            // IndexMap panics past the end; so does the patched map. Keep to valid places.
            let len = model.len() + usize::from(!model.contains_key(&key(*k)));
            let at = usize::from(*i) % len;
            (
                format!("{:?}", map.shift_insert(at, key(*k), num(*v))),
                format!("{:?}", model.shift_insert(at, key(*k), num(*v))),
            )
        }
        Op::Remove(k) => (
            format!("{:?}", map.remove(&key(*k))),
            format!("{:?}", model.swap_remove(&key(*k))),
        ),
        Op::SwapRemoveEntry(k) => (
            format!("{:?}", map.swap_remove_entry(&key(*k))),
            format!("{:?}", model.swap_remove_entry(&key(*k))),
        ),
        Op::ShiftRemove(k) => (
            format!("{:?}", map.shift_remove(&key(*k))),
            format!("{:?}", model.shift_remove(&key(*k))),
        ),
        Op::ShiftRemoveEntry(k) => (
            format!("{:?}", map.shift_remove_entry(&key(*k))),
            format!("{:?}", model.shift_remove_entry(&key(*k))),
        ),
        Op::EntryOrInsert(k, v) => (
            format!("{:?}", map.entry(key(*k)).or_insert(num(*v))),
            format!("{:?}", model.entry(key(*k)).or_insert(num(*v))),
        ),
        Op::EntryAndModify(k) => {
            map.entry(key(*k))
                .and_modify(|v| *v = json!([v.clone()]))
                .or_insert(Value::Null);
            model
                .entry(key(*k))
                .and_modify(|v| *v = json!([v.clone()]))
                .or_insert(Value::Null);
            (String::new(), String::new())
        }
        Op::EntryRemove(k) => (
            format!("{:?}", occupied(map.entry(key(*k)), |e| e.remove())),
            format!(
                "{:?}",
                model_occupied(model.entry(key(*k)), |e| e.swap_remove())
            ),
        ),
        Op::EntryShiftRemove(k) => (
            format!(
                "{:?}",
                occupied(map.entry(key(*k)), |e| e.shift_remove_entry())
            ),
            format!(
                "{:?}",
                model_occupied(model.entry(key(*k)), |e| e.shift_remove_entry())
            ),
        ),
        Op::EntryInsert(k, v) => {
            let got = match map.entry(key(*k)) {
                serde_json::map::Entry::Occupied(mut e) => Some(e.insert(num(*v))),
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(num(*v));
                    None
                }
            };
            let want = match model.entry(key(*k)) {
                indexmap::map::Entry::Occupied(mut e) => Some(e.insert(num(*v))),
                indexmap::map::Entry::Vacant(e) => {
                    e.insert(num(*v));
                    None
                }
            };
            (format!("{got:?}"), format!("{want:?}"))
        }
        Op::Retain(m) => {
            let keep = |k: &String| k.len() % 3 != usize::from(*m % 3) || k.ends_with('7');
            map.retain(|k, _| keep(k));
            model.retain(|k, _| keep(k));
            (String::new(), String::new())
        }
        Op::SortKeys => {
            map.sort_keys();
            model.sort_unstable_keys();
            (String::new(), String::new())
        }
        Op::Append(pairs) => {
            let mut other: Map<String, Value> =
                pairs.iter().map(|(k, v)| (key(*k), num(*v))).collect();
            map.append(&mut other);
            model.extend(pairs.iter().map(|(k, v)| (key(*k), num(*v))));
            (format!("{}", other.len()), "0".to_owned())
        }
        Op::Extend(pairs) => {
            map.extend(pairs.iter().map(|(k, v)| (key(*k), num(*v))));
            model.extend(pairs.iter().map(|(k, v)| (key(*k), num(*v))));
            (String::new(), String::new())
        }
        Op::Clear => {
            map.clear();
            model.clear();
            (String::new(), String::new())
        }
    };
    assert_eq!(got, want, "{op:?}");
}

fn same(map: &Map<String, Value>, model: &IndexMap<String, Value>) {
    let entries: Vec<(&String, &Value)> = map.iter().collect();
    let expected: Vec<(&String, &Value)> = model.iter().collect();
    assert_eq!(entries, expected);
    assert_eq!(map.len(), model.len());
    assert!(map.keys().eq(model.keys()));
    assert!(map.values().rev().eq(model.values().rev()));
    // Every key is found where the model has it, and the pool's other keys are not found.
    for k in 0..40 {
        let k = key(k);
        assert_eq!(map.get(&k), model.get(&k), "get {k}");
        assert_eq!(map.contains_key(&k), model.contains_key(&k), "contains {k}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn behaves_as_indexmap(ops in prop::collection::vec(op(), 0..120)) {
        let mut map = Map::new();
        let mut model = IndexMap::new();
        for op in &ops {
            apply(&mut map, &mut model, op);
            same(&map, &model);
        }
        // A copy is equal, in whatever order, and so is one with its keys sorted.
        let copy = map.clone();
        prop_assert_eq!(&copy, &map);
        let mut sorted = map.clone();
        sorted.sort_keys();
        prop_assert_eq!(&sorted, &map);
        let mut moved = Map::new();
        moved.clone_from(&map);
        same(&moved, &model);
        let owned: Vec<(String, Value)> = map.into_iter().collect();
        let expected: Vec<(String, Value)> = model.into_iter().collect();
        prop_assert_eq!(owned, expected);
    }
}

#[test]
fn objects_read_and_written_keep_their_order_and_last_duplicate() {
    // Sizes on both sides of where the map starts indexing its keys.
    for n in [0, 1, 7, 8, 9, 16, 17, 200] {
        let keys: Vec<String> = (0..n).map(|i| format!("f{}", (i * 37) % 1000)).collect();
        let text = format!(
            "{{{}}}",
            keys.iter()
                .enumerate()
                .map(|(i, k)| format!("\"{k}\":{i}"))
                .chain(keys.first().map(|k| format!("\"{k}\":\"again\"")))
                .collect::<Vec<_>>()
                .join(",")
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        let map = value.as_object().unwrap();
        assert_eq!(map.len(), n);
        assert!(map.keys().eq(keys.iter()), "order of {n} keys");
        if let Some(first) = keys.first() {
            assert_eq!(map[first.as_str()], "again");
        }
        let again: Value = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
        assert_eq!(again, value);
    }
}
