//! Each function through template execution, with facts from Istio's `template_test.go`,
//! sprig's docs and tests, and Go's libraries.

use gotemplate::{Templates, Value};
use serde_json::json;

fn run_with(text: &str, data: &serde_json::Value) -> Result<String, String> {
    let mut set = Templates::new(super::table());
    set.parse("t", text).map_err(|e| e.to_string())?;
    set.execute("t", &Value::from_json(data))
        .map_err(|e| e.to_string())
}

fn run(text: &str) -> Result<String, String> {
    run_with(
        text,
        &json!({
            "port": 15020.0,
            "ports": "4,5,6",
            "none": null,
            "list": ["a", "b", "a", "", null],
            "dict": {"b": 2.0, "a": {"x": 1.0}},
            "res": {"limits": {"cpu": null, "memory": "500Mi"}, "requests": {"cpu": "100m"}},
            "s": "Hello World",
        }),
    )
}

fn ok(text: &str) -> String {
    match run(text) {
        Ok(out) => out,
        Err(e) => panic!("{text}: {e}"),
    }
}

#[test]
fn istio_value_helpers() {
    // valueOrDefault: nil and "" take the default; 0 and false are kept.
    assert_eq!(
        ok(
            r#"{{ valueOrDefault .none "d" }} {{ valueOrDefault "" "d" }} {{ valueOrDefault 0 "d" }} {{ valueOrDefault false "d" }} {{ valueOrDefault .missing "d" }}"#
        ),
        "d d 0 false d"
    );
    // excludeInboundPort stringifies its port with fmt.Sprint (float 15020 → "15020").
    assert_eq!(ok("{{ excludeInboundPort .port .ports }}"), "4,5,6,15020");
    assert_eq!(ok(r#"{{ excludeInboundPort "0" .ports }}"#), "4,5,6");
    assert_eq!(ok(r#"{{ excludeInboundPort .port "15020" }}"#), "15020");
    assert_eq!(
        ok(r#"{{ kubevirtInterfaces "net1" }} {{ excludeInterfaces "eth1" }}"#),
        "net1 eth1"
    );
    assert_eq!(
        ok(r#"{{ directory "/etc/lightstep/cacert.pem" }}|{{ directory "cacert.pem" }}"#),
        "/etc/lightstep/|"
    );
    // Istio's contains takes the needle first, like sprig's.
    assert_eq!(
        ok(r#"{{ contains "/" "a/b" }} {{ contains "/" "ab" }}"#),
        "true false"
    );
    assert_eq!(ok(r#"{{ toLower "TPROXY" }}"#), "tproxy");
    assert_eq!(ok(r#"{{ env "PATH" "fallback" }}"#), "fallback");
    assert_eq!(
        ok(r#"{{ appendMultusNetwork "macvlan-conf-1" "istio-cni" }}"#),
        "macvlan-conf-1, istio-cni"
    );
}

#[test]
fn istio_indent_differs_from_sprig() {
    // Istio's indent leaves the first line alone; sprig's nindent adds a newline and
    // indents every line.
    assert_eq!(ok(r#"{{ indent 2 "a\nb" }}"#), "a\n  b");
    assert_eq!(ok(r#"{{ nindent 2 "a\nb" }}"#), "\n  a\n  b");
    let err = run("{{ indent .port \"a\" }}").unwrap_err();
    assert!(
        err.contains("wrong type for value; expected int; got float64"),
        "{err}"
    );
}

#[test]
fn istio_json_helpers() {
    assert_eq!(
        ok(r#"{{ toJSON (strdict "b" "<2>" "a" "1") }}"#),
        r#"{"a":"1","b":"\u003c2\u003e"}"#
    );
    assert_eq!(ok("{{ toJSON .none }}"), "{}");
    // fromJSON: parsed values, or the string "{}" when the text is not JSON.
    assert_eq!(
        ok(
            r#"{{ range $k, $v := fromJSON "{\"b\": 1, \"a\": [true]}" }}{{ $k }}={{ $v }} {{ end }}"#
        ),
        "a=[true] b=1 "
    );
    assert_eq!(ok(r#"{{ fromJSON "not json" }}"#), "{}");
    assert_eq!(ok("{{ structToJSON .none }}"), "{}");
    assert_eq!(ok("{{ structToJSON .dict }}"), r#"{"a":{"x":1},"b":2}"#);
    // omitNil drops nulls (TestOmitNil); toYaml writes go-yaml v2.
    assert_eq!(
        ok("{{ toYaml (omitNil .res) }}"),
        "limits:\n  memory: 500Mi\nrequests:\n  cpu: 100m\n"
    );
    assert_eq!(ok("{{ toYaml .none }}"), "null\n");
}

#[test]
fn istio_map_helpers() {
    assert_eq!(
        ok(r#"{{ toJsonMap (strdict "a" "1" "b" "2") (strdict "b" "3") }}"#),
        r#"{"a":"1","b":"3"}"#
    );
    assert_eq!(
        ok(
            r#"{{ range $k, $v := mergeMaps (strdict "a" "1") (strdict "a" "2" "c" "3") }}{{ $k }}={{ $v }};{{ end }}"#
        ),
        "a=2;c=3;"
    );
    assert_eq!(
        ok(
            r#"{{ range $k, $v := omit (strdict "a" "1" "b" "2" "c" "3") "a" "c" }}{{ $k }}={{ $v }};{{ end }}"#
        ),
        "b=2;"
    );
    assert_eq!(
        ok(r#"{{ index (strdict "odd") "odd" | printf "%q" }}"#),
        r#""""#
    );
    assert_eq!(
        ok(r#"{{ isset (strdict "a" "") "a" }} {{ isset (strdict "a" "") "b" }}"#),
        "true false"
    );
    // Istio's typed parameters: a map[string]interface {} is not a map[string]string.
    let err = run(r#"{{ isset .dict "a" }}"#).unwrap_err();
    assert!(
        err.contains("expected map[string]string; got map[string]interface {}"),
        "{err}"
    );
}

#[test]
fn sprig_default_uses_emptiness() {
    assert_eq!(
        ok(
            r#"{{ .none | default "d" }} {{ "" | default "d" }} {{ 0 | default "d" }} {{ false | default "d" }} {{ "x" | default "d" }} {{ default "d" }} {{ .list | default "d" }}"#
        ),
        "d d d d x d [a b a  <nil>]"
    );
    assert_eq!(
        ok(r#"{{ empty .none }} {{ empty .list }} {{ empty .dict }} {{ empty 0.0 }}"#),
        "true false false true"
    );
    assert_eq!(ok(r#"{{ coalesce .none "" "x" "y" }}"#), "x");
    assert_eq!(
        ok(r#"{{ ternary "yes" "no" true }} {{ ternary "yes" "no" false }}"#),
        "yes no"
    );
}

#[test]
fn sprig_quote_skips_nil() {
    assert_eq!(
        ok(r#"{{ quote "a" .none 15 .port }} {{ .missing | quote }}|{{ squote "a" "b" }}"#),
        r#""a" "15" "15020" |'a' 'b'"#
    );
    assert_eq!(ok(r#"{{ quote "say \"hi\"\n" }}"#), r#""say \"hi\"\n""#);
}

#[test]
fn sprig_strings() {
    // trunc takes bytes (63 is the canonical-name limit); negative counts take the tail.
    assert_eq!(
        ok(r#"{{ trunc 5 "hello world" }} {{ trunc -5 "hello world" }} {{ trunc 50 "hi" }}"#),
        "hello world hi"
    );
    assert_eq!(ok(r#"{{ trimAll "-_." "-_a.b_-." }}"#), "a.b");
    assert_eq!(
        ok(r#"{{ trim "  a b  " }}|{{ trimPrefix "a" "aab" }}|{{ trimSuffix "b" "abb" }}"#),
        "a b|ab|ab"
    );
    assert_eq!(
        ok(r#"{{ upper "ab" }} {{ lower "AB" }} {{ title "hello world" }}"#),
        "AB ab Hello World"
    );
    assert_eq!(
        ok(r#"{{ replace " " "-" "a b c" }} {{ repeat 3 "ab" }} {{ nospace "a b\tc" }}"#),
        "a-b-c ababab abc"
    );
    assert_eq!(
        ok(r#"{{ substr 0 5 "hello world" }} {{ substr 6 99 "hello world" }}"#),
        "hello world"
    );
    assert!(
        run(r#"{{ substr 9 3 "abc" }}"#)
            .unwrap_err()
            .contains("slice bounds out of range")
    );
    assert_eq!(
        ok(r#"{{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }}"#),
        "true true"
    );
    assert_eq!(
        ok(r#"{{ index (split "," "a,b") "_1" }} {{ splitList "," "a,b" }} {{ join "," .list }}"#),
        "b [a b] a,b,a,"
    );
    assert_eq!(
        ok(r#"{{ join "-" (list 1 2 3) }} {{ cat "a" .none 1 }}"#),
        "1-2-3 a 1"
    );
    assert!(
        run(r#"{{ repeat -1 "a" }}"#)
            .unwrap_err()
            .contains("negative Repeat count")
    );
}

#[test]
fn sprig_lists() {
    assert_eq!(
        ok(
            r#"{{ $l := list }}{{ $l = append $l "a" }}{{ $l = append $l "b" }}{{ $l }} {{ prepend $l "z" }} {{ len $l }}"#
        ),
        "[a b] [z a b] 2"
    );
    assert_eq!(
        ok(
            r#"{{ first .list }} {{ last (list 1 2) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }} {{ first list }}"#
        ),
        "a 2 [2 3] [1 2] <no value>"
    );
    assert_eq!(
        ok(
            r#"{{ uniq .list }} {{ compact .list }} {{ without .list "a" }} {{ has "b" .list }} {{ has 1 .list }}"#
        ),
        "[a b  <nil>] [a b a] [b  <nil>] true false"
    );
    assert!(
        run(r#"{{ append "x" "y" }}"#)
            .unwrap_err()
            .contains("Cannot push on type string")
    );
    assert_eq!(
        ok("{{ until 3 }} {{ sortAlpha (list \"b\" \"a\") }}"),
        "[0 1 2] [a b]"
    );
}

#[test]
fn sprig_dicts() {
    assert_eq!(
        ok(
            r#"{{ $d := dict "b" 1 "a" "x" "odd" }}{{ $d }} {{ get $d "a" }} {{ get $d "zz" | printf "%q" }} {{ hasKey $d "b" }} {{ keys $d }} {{ values (dict "a" 1) }}"#
        ),
        r#"map[a:x b:1 odd:] x "" true [a b odd] [1]"#
    );
    assert_eq!(
        ok(
            r#"{{ set (dict "a" 1) "b" 2 }} {{ unset (dict "a" 1 "b" 2) "a" }} {{ pick .dict "b" }}"#
        ),
        "map[a:1 b:2] map[b:2] map[b:2]"
    );
    // merge fills what the destination lacks, recursively; it never overrides.
    assert_eq!(
        ok(r#"{{ merge (dict "a" (dict "y" 2) "b" 5) .dict }}"#),
        "map[a:map[x:1 y:2] b:5]"
    );
    assert_eq!(ok("{{ deepCopy .dict }}"), "map[a:map[x:1] b:2]");
}

#[test]
fn sprig_conversions_and_math() {
    assert_eq!(
        ok(
            r#"{{ toString 15 }} {{ toString .port }} {{ toStrings (list 1 "a" .none) }} {{ atoi "42" }} {{ atoi "x" }} {{ int "15.0" }} {{ int64 .port }} {{ float64 "1.5" }}"#
        ),
        "15 15020 [1 a] 42 0 15 15020 1.5"
    );
    assert_eq!(
        ok(
            r#"{{ add 1 2 "3" }} {{ sub 5 .port }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 5 3 }} {{ min 4 2 8 }} {{ add1 1 }}"#
        ),
        "6 -15015 24 3 1 5 2 2"
    );
    assert!(
        run("{{ div 1 0 }}")
            .unwrap_err()
            .contains("integer divide by zero")
    );
    assert_eq!(
        ok(
            r#"{{ typeOf 1 }} {{ typeOf .port }} {{ kindOf .list }} {{ kindIs "map" .dict }} {{ typeOf .none }}"#
        ),
        "int float64 slice true <nil>"
    );
}

#[test]
fn sprig_encoding() {
    assert_eq!(
        ok(r#"{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }}"#),
        "aGVsbG8= hello"
    );
    assert_eq!(
        ok(r#"{{ b64dec "!!" }}"#),
        "illegal base64 data at input byte 0"
    );
    assert_eq!(
        ok(r#"{{ toJson .dict }} {{ toJson "<x>" }} {{ toJson .none }}"#),
        r#"{"a":{"x":1},"b":2} "\u003cx\u003e" null"#
    );
    assert_eq!(
        ok("{{ toPrettyJson (dict \"a\" (list 1)) }}"),
        "{\n  \"a\": [\n    1\n  ]\n}"
    );
    assert_eq!(
        ok(r#"{{ (fromJson "{\"a\": 1}").a }} {{ fromJson "nope" }}"#),
        "1 <no value>"
    );
}

#[test]
fn sprig_regex() {
    assert_eq!(
        ok(
            r#"{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "^[a-z]+$" "ab1" }} {{ regexMatch "(" "x" }}"#
        ),
        "true false false"
    );
    assert_eq!(
        ok(
            r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAllLiteral "a(x*)b" "-ab-" "${1}" }} {{ regexFind "[0-9]+" "ab12cd34" }} {{ regexFindAll "[0-9]+" "1a22b333" -1 }}"#
        ),
        "-W-xxW- -${1}- 12 [1 22 333]"
    );
    assert!(
        run(r#"{{ regexReplaceAll "(" "x" "y" }}"#)
            .unwrap_err()
            .contains("regexp: Compile(\"(\")")
    );
}

#[test]
fn sprig_regex_follows_go_regexp() {
    // Sprig's documented examples.
    assert_eq!(
        ok(
            r#"{{ regexMatch "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$" "test@acme.com" }} {{ regexFindAll "[2,4,6,8]" "123456789" -1 }} {{ regexFind "[a-zA-Z][1-9]" "abcd1234" }} {{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}"#
        ),
        "true [2 4 6 8] d1 -${1}-${1}-"
    );
    // Go's regexp: `$1W` names group "1W" (empty); named groups; leftmost-first alternation;
    // empty matches next to a previous match are skipped.
    assert_eq!(
        ok(
            r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }} {{ regexReplaceAll "(?P<k>\\w+)=(?P<v>\\w+)" "a=1 b=2" "${v}:${k}" }} {{ regexFind "a|ab" "ab" }} {{ regexReplaceAll "a*" "baaac" "X" }} {{ regexFindAll "" "abc" -1 | len }} {{ regexFindAll "a" "aaaa" 2 }}"#
        ),
        "--- 1:a 2:b a XbXcX 4 [a a]"
    );
    // \d \w \b and the POSIX classes are ASCII in Go; (?i) folds ASCII letters.
    assert_eq!(
        ok(
            r#"{{ regexMatch "^\\d+$" "١٢٣" }} {{ regexMatch "^\\w+$" "é" }} {{ regexReplaceAll "\\b" "é1" "|" }} {{ regexMatch "^[[:alpha:]]+$" "Istio" }} {{ regexMatch "(?i)^istio-PROXY$" "Istio-proxy" }}"#
        ),
        "false false é|1| true true"
    );
}

#[test]
fn sprig_regex_differs_from_go_only_where_unicode_tables_are_needed() {
    // Go folds non-ASCII letters under (?i) and knows \pL; this engine does neither, and says
    // so with a compile error rather than matching something else.
    assert_eq!(ok(r#"{{ regexMatch "(?i)é" "É" }}"#), "false");
    for pattern in [r"\\pL", r"\\p{Greek}", r"\\PN"] {
        let err = run(&format!(r#"{{{{ regexFind "{pattern}" "abc" }}}}"#)).unwrap_err();
        assert!(err.contains("regexp: Compile("), "{pattern}: {err}");
    }
    // An invalid pattern still matches nothing in regexMatch, as Sprig drops the error.
    assert_eq!(ok(r#"{{ regexMatch "\\pL" "abc" }}"#), "false");
}

#[test]
fn memory_hungry_arguments_are_refused() {
    for text in [
        "{{ indent 100000000 \"a\\nb\" }}",
        "{{ nindent 100000000 \"a\" }}",
        "{{ repeat 100000000 \"ab\" }}",
        "{{ until -1000000 }}",
    ] {
        assert!(run(text).is_err(), "{text}");
    }
}

#[test]
fn unknown_functions_fail_at_parse_time() {
    let err = run("{{ sha256sum \"x\" }}").unwrap_err();
    assert!(err.contains("function \"sha256sum\" not defined"), "{err}");
}
