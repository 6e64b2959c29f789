//! `strconv` and `fmt` as Go prints values into error messages and templates: the template
//! engine (`gotemplate::gofmt`) implements them, the injector reaches them here.

pub use gotemplate::gofmt::{format_float, quote, sprint};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("\u{1}\u{7f}\n"), "\"\\x01\\x7f\\n\"");
        assert_eq!(quote("é \u{a0}"), "\"é \\u00a0\"");
    }
}
