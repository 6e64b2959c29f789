//! Recognising Istio's stock templates in a cluster's configuration by their text, so the
//! template renderer can hand them to the built-in renderer.
//!
//! Almost every cluster's `istio-sidecar-injector` ConfigMap carries the chart's templates
//! unchanged: the chart copies `files/injection-template.yaml` and the others into `config`
//! verbatim. For those, executing the Go template and reading its YAML gives exactly what the
//! built-in renderer builds directly (the cross-check in `template/conformance_tests.rs`
//! compares the two on every case of Istio's golden data), which costs a fraction of that and
//! needs no template parse. A template is taken as stock when its name is one the built-in
//! renderer reproduces and its text has the length and fingerprint of that template in the
//! chart release the built-in renderer follows. Any other text, an edit of one character
//! included, goes through the engine.
//!
//! The fingerprint only has to tell the chart's text from an edit of it, not resist someone
//! forging it: whoever writes the ConfigMap chooses the templates anyway, and a forged match
//! would get them the stock template they could have kept. So it is 128 bits from two
//! multiply-rotate lanes over the text's 8-byte words and the length: a multiply per lane and
//! word, where a cryptographic hash would take dozens of operations per byte in wasm.

/// A template of the chart: its name, its length in bytes and the fingerprint of its text.
struct Stock {
    name: &'static str,
    len: usize,
    fingerprint: u128,
}

/// The templates the built-in renderer reproduces, as the chart of the Istio commit it follows
/// (86c9f01, the commit of the shared conformance data) puts them into the ConfigMap. The
/// `stock_templates_are_the_charts` test recomputes them from that data when it is present.
const CHART: [Stock; 4] = [
    Stock {
        name: "sidecar",
        len: 24_645,
        fingerprint: 0x9810_6ce7_d709_4419_70fb_96de_8465_b7de,
    },
    Stock {
        name: "gateway",
        len: 10_245,
        fingerprint: 0x8900_bd63_0f11_7e83_56ad_cb27_f566_abac,
    },
    Stock {
        name: "grpc-simple",
        len: 1_871,
        fingerprint: 0x2f6f_3261_0f1c_85d8_4d0b_fb61_3bd7_4c4a,
    },
    Stock {
        name: "grpc-agent",
        len: 12_870,
        fingerprint: 0x17da_e0c1_849e_4594_42fb_3490_476c_6865,
    },
];

/// Whether `text` is the chart's own template `name`, which the built-in renderer reproduces.
pub fn is_stock(name: &str, text: &str) -> bool {
    CHART.iter().any(|stock| {
        stock.name == name && stock.len == text.len() && stock.fingerprint == fingerprint(text)
    })
}

/// 128 bits of `text`: two lanes, each a bijection of its state per word, so that changing any
/// one word always changes both lanes, and the length folded in first.
pub fn fingerprint(text: &str) -> u128 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;
    let bytes = text.as_bytes();
    let len = bytes.len() as u64;
    let (mut a, mut b) = (len ^ 0x243f_6a88_85a3_08d3, len ^ 0x1319_8a2e_0370_7344);
    let (words, tail) = bytes.as_chunks::<8>();
    let mut last = [0u8; 8];
    if let Some(start) = last.get_mut(..tail.len()) {
        start.copy_from_slice(tail);
    }
    for word in words.iter().chain((!tail.is_empty()).then_some(&last)) {
        let w = u64::from_le_bytes(*word);
        a = (a ^ w).wrapping_mul(K1).rotate_left(29);
        b = (b.rotate_left(23) ^ w).wrapping_mul(K2);
    }
    (u128::from(mix(a ^ b.rotate_left(32))) << 64) | u128::from(mix(b ^ a))
}

/// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_one_byte_change_changes_the_fingerprint() {
        let text: String = (0..300)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let original = fingerprint(&text);
        for at in 0..text.len() {
            let mut edited = text.clone().into_bytes();
            edited[at] = b'#';
            let edited = String::from_utf8(edited).unwrap();
            assert_ne!(fingerprint(&edited), original, "a change at byte {at}");
        }
        // Lengths differing only by trailing zero-padding of the last word.
        assert_ne!(fingerprint("ab"), fingerprint("ab\0"));
        assert_ne!(fingerprint(""), fingerprint("\0"));
    }

    #[test]
    fn words_in_another_order_fingerprint_differently() {
        assert_ne!(
            fingerprint("abcdefgh12345678"),
            fingerprint("12345678abcdefgh")
        );
    }

    #[test]
    fn only_a_known_name_with_its_text_is_stock() {
        assert!(!is_stock("sidecar", ""));
        assert!(!is_stock("custom", "anything"));
    }

    /// The table against the chart's templates in the shared conformance data.
    #[test]
    fn stock_templates_are_the_charts() {
        let Some(dir) = istio_conformance::locate_or_skip() else {
            return;
        };
        let path = dir.join("base/injector-config.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = crate::config::InjectorConfig::from_str(&text).unwrap();
        for stock in &CHART {
            let template = config.templates[stock.name].as_str();
            assert!(is_stock(stock.name, template), "{}", stock.name);
            let mut edited = template.to_string();
            edited.push(' ');
            assert!(!is_stock(stock.name, &edited), "{} edited", stock.name);
        }
        assert!(!is_stock("gateway", config.templates["sidecar"].as_str()));
    }
}
