//! go-yaml's reader on arbitrary text: whatever the direct block reader reads must be what the
//! libyaml path reads.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let (Some(direct), libyaml) = injector::goyaml::unmarshal_both_ways(text) {
        assert_eq!(
            Ok(&direct),
            libyaml.as_ref(),
            "the direct reader and libyaml disagree on:\n{text}"
        );
    }
});
