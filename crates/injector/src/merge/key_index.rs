//! The first position of each merge key in a list.

use std::collections::HashMap;

use super::Key;

/// Keys kept in a vector and found by a scan, up to this many: the lists a merge meets are
/// mostly a handful of items (containers, ports, volumes), where comparing a few keys costs
/// less than SipHash-ing each one. Past it the index becomes a hash map, so that a long list
/// (thousands of env vars) still merges in linear time.
const SCAN_LIMIT: usize = 16;

#[derive(Clone, Debug)]
pub(super) enum KeyIndex {
    Scan(Vec<(Key, usize)>),
    Hash(HashMap<Key, usize>),
}

impl Default for KeyIndex {
    fn default() -> Self {
        KeyIndex::Scan(Vec::new())
    }
}

impl KeyIndex {
    pub(super) fn with_capacity(len: usize) -> Self {
        if len <= SCAN_LIMIT {
            KeyIndex::Scan(Vec::with_capacity(len))
        } else {
            KeyIndex::Hash(HashMap::with_capacity(len))
        }
    }

    pub(super) fn get(&self, key: &Key) -> Option<usize> {
        match self {
            KeyIndex::Scan(entries) => entries.iter().find(|(k, _)| k == key).map(|&(_, i)| i),
            KeyIndex::Hash(map) => map.get(key).copied(),
        }
    }

    /// How many keys are recorded.
    pub(super) fn len(&self) -> usize {
        match self {
            KeyIndex::Scan(entries) => entries.len(),
            KeyIndex::Hash(map) => map.len(),
        }
    }

    pub(super) fn contains(&self, key: &Key) -> bool {
        self.get(key).is_some()
    }

    /// Records `key` at `at` unless it is already recorded (the first position wins); true
    /// when it was new.
    pub(super) fn insert_first(&mut self, key: Key, at: usize) -> bool {
        match self {
            KeyIndex::Scan(entries) => {
                if entries.iter().any(|(k, _)| *k == key) {
                    return false;
                }
                if entries.len() < SCAN_LIMIT {
                    entries.push((key, at));
                    return true;
                }
                let mut map: HashMap<Key, usize> = entries.drain(..).collect();
                map.insert(key, at);
                *self = KeyIndex::Hash(map);
                true
            }
            KeyIndex::Hash(map) => match map.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(at);
                    true
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::{Key, KeyIndex, SCAN_LIMIT};

    proptest! {
        /// The index answers as a hash map where the first insertion of a key wins, on both
        /// sides of the switch from a scan to a hash map.
        #[test]
        fn answers_like_a_map_of_first_positions(
            keys in prop::collection::vec(0u64..(2 * SCAN_LIMIT as u64), 0..(4 * SCAN_LIMIT)),
            capacity in 0..(2 * SCAN_LIMIT),
        ) {
            let mut index = KeyIndex::with_capacity(capacity);
            let mut model: HashMap<Key, usize> = HashMap::new();
            for (at, k) in keys.iter().enumerate() {
                let key = Key::Num(*k);
                let new = !model.contains_key(&key);
                model.entry(key.clone()).or_insert(at);
                prop_assert_eq!(index.insert_first(key, at), new);
                prop_assert_eq!(index.len(), model.len());
            }
            for k in 0..(2 * SCAN_LIMIT as u64) {
                let key = Key::Num(k);
                prop_assert_eq!(index.get(&key), model.get(&key).copied());
                prop_assert_eq!(index.contains(&key), model.contains_key(&key));
            }
        }
    }
}
