//! istio-sidecar-injector: the map behind `preserve_order`, in place of `IndexMap`.
//!
//! A Kubernetes object is mostly small maps: an env var, a port, a volume mount, a probe's
//! handler hold two to five keys. `IndexMap` gives each of them a hash table, a second
//! allocation, and hashes every key on every insert and lookup; in the policy's profile its
//! inserts, lookups and table copies were about a sixth of an admission. Here the entries are
//! one vector in insertion order, searched by scanning while the map holds at most [`LINEAR`]
//! of them; a larger map gets an index (a hash table of positions) beside the vector, so a
//! pod's thousand labels still cost one lookup each. The order, and what every operation does
//! to it, are `IndexMap`'s: `insert` of a present key keeps its place, `swap_remove` moves the
//! last entry into the gap, `shift_remove` closes it, `shift_insert` moves a present key.

use alloc::boxed::Box;
use alloc::vec::{self, Vec};
use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::mem;
use core::slice;
use hashbrown::HashTable;

/// Maps with at most this many entries are searched by scanning: comparing a few short keys
/// costs less than hashing one, and such a map allocates nothing but its entries.
const LINEAR: usize = 8;

pub struct OrderedMap<K, V, S> {
    entries: Vec<(K, V)>,
    /// Positions in `entries`, by key hash: present once the map has outgrown [`LINEAR`], and
    /// then always listing every entry. Boxed, so that a map (and serde_json's `Value`) stays
    /// small.
    index: Option<Box<HashTable<usize>>>,
    hasher: S,
}

impl<K, V, S: Default> Default for OrderedMap<K, V, S> {
    fn default() -> Self {
        OrderedMap {
            entries: Vec::new(),
            index: None,
            hasher: S::default(),
        }
    }
}

impl<K, V, S> OrderedMap<K, V, S> {
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        OrderedMap {
            entries: Vec::with_capacity(capacity),
            index: None,
            hasher,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    #[inline]
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut(self.entries.iter_mut())
    }

    #[inline]
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.entries.iter())
    }

    #[inline]
    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.entries.iter())
    }

    #[inline]
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut(self.entries.iter_mut())
    }

    #[inline]
    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues(self.entries.into_iter())
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> OrderedMap<K, V, S> {
    /// The position of `key`.
    #[inline]
    fn find<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        match &self.index {
            None => self.entries.iter().position(|(k, _)| k.borrow() == key),
            Some(index) => {
                let entries = &self.entries;
                index
                    .find(self.hasher.hash_one(key), |&i| entries[i].0.borrow() == key)
                    .copied()
            }
        }
    }

    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let i = self.find(key)?;
        Some(&self.entries[i].1)
    }

    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let i = self.find(key)?;
        let (k, v) = &self.entries[i];
        Some((k, v))
    }

    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let i = self.find(key)?;
        Some(&mut self.entries[i].1)
    }

    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.find(key).is_some()
    }

    /// Sets `key` to `value`; a present key keeps its position and its stored key.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Some(i) => Some(mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.push(key, value);
                None
            }
        }
    }

    /// Appends an entry whose key is absent; returns its position.
    fn push(&mut self, key: K, value: V) -> usize {
        let at = self.entries.len();
        match &mut self.index {
            Some(index) => {
                let hasher = &self.hasher;
                let hash = hasher.hash_one(&key);
                self.entries.push((key, value));
                let entries = &self.entries;
                index.insert_unique(hash, at, |&i| hasher.hash_one(&entries[i].0));
            }
            None => {
                self.entries.push((key, value));
                if self.entries.len() > LINEAR {
                    self.reindex();
                }
            }
        }
        at
    }

    /// Builds the index afresh, or drops it when the map is small enough to scan.
    fn reindex(&mut self) {
        if self.entries.len() <= LINEAR {
            self.index = None;
            return;
        }
        let OrderedMap {
            entries, hasher, ..
        } = &*self;
        // As many places as the entries have room for: a map being filled to a known size
        // (as a JSON object is read) indexes once.
        let mut index = HashTable::with_capacity(entries.capacity());
        for (at, (key, _)) in entries.iter().enumerate() {
            index.insert_unique(hasher.hash_one(key), at, |&i| hasher.hash_one(&entries[i].0));
        }
        self.index = Some(Box::new(index));
    }

    /// Moves the entry at `key` (or a new one) to `at`, as `IndexMap::shift_insert` does;
    /// panics where it panics (`at` past the end).
    pub fn shift_insert(&mut self, at: usize, key: K, value: V) -> Option<V> {
        let old = match self.find(&key) {
            Some(i) => {
                let (key, old) = self.entries.remove(i);
                self.entries.insert(at, (key, value));
                Some(old)
            }
            None => {
                self.entries.insert(at, (key, value));
                None
            }
        };
        if self.index.is_some() || self.entries.len() > LINEAR {
            self.reindex();
        }
        old
    }

    pub fn swap_remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.swap_remove_entry(key).map(|(_, v)| v)
    }

    pub fn swap_remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let i = self.find(key)?;
        Some(self.swap_remove_index(i))
    }

    pub fn shift_remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.shift_remove_entry(key).map(|(_, v)| v)
    }

    pub fn shift_remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let i = self.find(key)?;
        Some(self.shift_remove_index(i))
    }

    /// Takes the position `at` out of the index.
    fn unindex(&mut self, at: usize) {
        if let Some(index) = &mut self.index {
            let hash = self.hasher.hash_one(&self.entries[at].0);
            if let Ok(slot) = index.find_entry(hash, |&i| i == at) {
                slot.remove();
            }
        }
    }

    /// Removes the entry at `at` (a valid position), the last entry taking its place.
    fn swap_remove_index(&mut self, at: usize) -> (K, V) {
        self.unindex(at);
        let last = self.entries.len() - 1;
        if at != last {
            if let Some(index) = &mut self.index {
                let hash = self.hasher.hash_one(&self.entries[last].0);
                if let Some(slot) = index.find_mut(hash, |&i| i == last) {
                    *slot = at;
                }
            }
        }
        self.entries.swap_remove(at)
    }

    /// Removes the entry at `at` (a valid position), the later entries moving up.
    fn shift_remove_index(&mut self, at: usize) -> (K, V) {
        self.unindex(at);
        if let Some(index) = &mut self.index {
            for slot in index.iter_mut() {
                if *slot > at {
                    *slot -= 1;
                }
            }
        }
        self.entries.remove(at)
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        match self.find(&key) {
            Some(at) => Entry::Occupied(OccupiedEntry { map: self, at }),
            None => Entry::Vacant(VacantEntry { map: self, key }),
        }
    }

    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.reindex();
        }
    }

    pub fn sort_unstable_keys(&mut self)
    where
        K: Ord,
    {
        self.entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if self.index.is_some() {
            self.reindex();
        }
    }
}

impl<K: Clone, V: Clone, S: Clone> Clone for OrderedMap<K, V, S> {
    fn clone(&self) -> Self {
        OrderedMap {
            entries: self.entries.clone(),
            index: self.index.clone(),
            hasher: self.hasher.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.entries.clone_from(&source.entries);
        self.index.clone_from(&source.index);
        self.hasher.clone_from(&source.hasher);
    }
}

/// Equal when both hold the same keys with equal values, in any order (as `IndexMap`).
impl<K: Hash + Eq, V: PartialEq, S: BuildHasher> PartialEq for OrderedMap<K, V, S> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| v == o))
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OrderedMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Extend<(K, V)> for OrderedMap<K, V, S> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.entries.reserve(iter.size_hint().0);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Default> FromIterator<(K, V)> for OrderedMap<K, V, S> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = OrderedMap::default();
        map.extend(iter);
        map
    }
}

impl<K, V, S> IntoIterator for OrderedMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    #[inline]
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter(self.entries.into_iter())
    }
}

pub enum Entry<'a, K, V, S> {
    Vacant(VacantEntry<'a, K, V, S>),
    Occupied(OccupiedEntry<'a, K, V, S>),
}

pub struct VacantEntry<'a, K, V, S> {
    map: &'a mut OrderedMap<K, V, S>,
    key: K,
}

impl<'a, K: Hash + Eq, V, S: BuildHasher> VacantEntry<'a, K, V, S> {
    #[inline]
    pub fn key(&self) -> &K {
        &self.key
    }

    pub fn insert(self, value: V) -> &'a mut V {
        let at = self.map.push(self.key, value);
        &mut self.map.entries[at].1
    }
}

pub struct OccupiedEntry<'a, K, V, S> {
    map: &'a mut OrderedMap<K, V, S>,
    at: usize,
}

impl<'a, K: Hash + Eq, V, S: BuildHasher> OccupiedEntry<'a, K, V, S> {
    #[inline]
    pub fn key(&self) -> &K {
        &self.map.entries[self.at].0
    }

    #[inline]
    pub fn get(&self) -> &V {
        &self.map.entries[self.at].1
    }

    #[inline]
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.entries[self.at].1
    }

    #[inline]
    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.entries[self.at].1
    }

    #[inline]
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    pub fn swap_remove(self) -> V {
        self.swap_remove_entry().1
    }

    pub fn swap_remove_entry(self) -> (K, V) {
        self.map.swap_remove_index(self.at)
    }

    pub fn shift_remove(self) -> V {
        self.shift_remove_entry().1
    }

    pub fn shift_remove_entry(self) -> (K, V) {
        self.map.shift_remove_index(self.at)
    }
}

/// An iterator over the entries' slice that yields `$item` for each `$entry`.
macro_rules! entries_iterator {
    ($(#[$attr:meta])* $name:ident<$($lt:lifetime,)? $k:ident, $v:ident>($inner:ty): |$entry:pat_param| -> $item:ty { $make:expr }) => {
        $(#[$attr])*
        pub struct $name<$($lt,)? $k, $v>($inner);

        impl<$($lt,)? $k, $v> Iterator for $name<$($lt,)? $k, $v> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$entry| $make)
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl<$($lt,)? $k, $v> DoubleEndedIterator for $name<$($lt,)? $k, $v> {
            #[inline]
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$entry| $make)
            }
        }

        impl<$($lt,)? $k, $v> ExactSizeIterator for $name<$($lt,)? $k, $v> {
            #[inline]
            fn len(&self) -> usize {
                self.0.len()
            }
        }

        impl<$($lt,)? $k, $v> FusedIterator for $name<$($lt,)? $k, $v> {}

        impl<$($lt,)? $k: fmt::Debug, $v: fmt::Debug> fmt::Debug for $name<$($lt,)? $k, $v> {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0.as_slice()).finish()
            }
        }
    };
}

entries_iterator!(#[derive(Clone)] Iter<'a, K, V>(slice::Iter<'a, (K, V)>): |(k, v)| -> (&'a K, &'a V) { (k, v) });
entries_iterator!(IterMut<'a, K, V>(slice::IterMut<'a, (K, V)>): |(k, v)| -> (&'a K, &'a mut V) { (k as &K, v) });
entries_iterator!(#[derive(Clone)] Keys<'a, K, V>(slice::Iter<'a, (K, V)>): |(k, _)| -> &'a K { k });
entries_iterator!(#[derive(Clone)] Values<'a, K, V>(slice::Iter<'a, (K, V)>): |(_, v)| -> &'a V { v });
entries_iterator!(ValuesMut<'a, K, V>(slice::IterMut<'a, (K, V)>): |(_, v)| -> &'a mut V { v });
entries_iterator!(IntoIter<K, V>(vec::IntoIter<(K, V)>): |(k, v)| -> (K, V) { (k, v) });
entries_iterator!(IntoValues<K, V>(vec::IntoIter<(K, V)>): |(_, v)| -> V { v });
