//! Address, port and domain checks used by Istio's mesh and proxy config validation
//! (`pkg/config/validation/agent`), with Istio's error texts.

use std::net::IpAddr;

/// `ValidatePort`: 1..=65535.
pub fn validate_port(port: i64) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// `ValidateProxyAddress`: `host:port` where the port is valid and the host is an FQDN or an
/// IP address.
pub fn validate_proxy_address(address: &str) -> Result<(), String> {
    let (host, port) =
        split_host_port(address).map_err(|e| format!("unable to split {address:?}: {e}"))?;
    let port_number = parse_go_atoi(port).ok_or_else(|| {
        format!("port ({port}) is not a number: strconv.Atoi: parsing {port:?}: invalid syntax")
    })?;
    validate_port(port_number)?;
    if validate_fqdn(host).is_err() && !is_ip_address(host) {
        return Err(format!("{host:?} is not a valid hostname or an IP address"));
    }
    Ok(())
}

/// Go's `net.SplitHostPort`.
pub fn split_host_port(address: &str) -> Result<(&str, &str), String> {
    let fail = |why: &str| Err(format!("address {address}: {why}"));
    let Some(last_colon) = address.rfind(':') else {
        return fail("missing port in address");
    };
    let (host, inner_start, after_bracket) = if address.starts_with('[') {
        let Some(end) = address.find(']') else {
            return fail("missing ']' in address");
        };
        if end + 1 == address.len() {
            return fail("missing port in address");
        }
        if end + 1 != last_colon {
            if address.get(end + 1..end + 2) == Some(":") {
                return fail("too many colons in address");
            }
            return fail("missing port in address");
        }
        (address.get(1..end).unwrap_or_default(), 1, end + 1)
    } else {
        let host = address.get(..last_colon).unwrap_or_default();
        if host.contains(':') {
            return fail("too many colons in address");
        }
        (host, 0, 0)
    };
    if address.get(inner_start..).unwrap_or_default().contains('[') {
        return fail("unexpected '[' in address");
    }
    if address
        .get(after_bracket..)
        .unwrap_or_default()
        .contains(']')
    {
        return fail("unexpected ']' in address");
    }
    Ok((host, address.get(last_colon + 1..).unwrap_or_default()))
}

/// Go's `strconv.Atoi` (an optional sign and decimal digits).
fn parse_go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

pub fn is_ip_address(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

/// `ValidateFQDN`.
pub fn validate_fqdn(name: &str) -> Result<(), String> {
    check_dns1123_preconditions(name)?;
    validate_dns1123_labels(name)
}

fn check_dns1123_preconditions(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err(format!("domain name {name:?} too long (max 255)"));
    }
    if name.is_empty() {
        return Err("empty domain name not allowed".to_string());
    }
    Ok(())
}

fn validate_dns1123_labels(domain: &str) -> Result<(), String> {
    let labels: Vec<&str> = domain.split('.').collect();
    let top = labels.last().copied().unwrap_or_default();
    if parse_go_atoi(top).is_some() {
        return Err(format!(
            "domain name {domain:?} invalid (top level domain {top:?} cannot be all-numeric)"
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        // A trailing dot (`istio.io.`) leaves an empty last label, which is allowed.
        if i + 1 == labels.len() && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "domain name {domain:?} invalid (label {label:?} invalid)"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_dns1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
}

/// `IsWildcardDNS1123Label`: `*`, or a DNS-1123 label optionally prefixed by `*` or `*-`.
fn is_wildcard_dns1123_label(label: &str) -> bool {
    if label.len() > 63 {
        return false;
    }
    if label == "*" {
        return true;
    }
    let rest = label
        .strip_prefix("*-")
        .or_else(|| label.strip_prefix('*'))
        .unwrap_or(label);
    is_dns1123_label(rest)
}

/// `ValidateWildcardDomain`: an FQDN whose first label may be a wildcard.
pub fn validate_wildcard_domain(domain: &str) -> Result<(), String> {
    check_dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Err(format!(
            "domain name {domain:?} invalid (label {first:?} invalid)"
        ));
    }
    match rest {
        Some(rest) => validate_dns1123_labels(rest),
        None => Ok(()),
    }
}

/// `ValidateTrustDomain`.
pub fn validate_trust_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("empty domain name not allowed".to_string());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if i + 1 == labels.len() && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!("trust domain name {domain:?} invalid"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn proxy_addresses() {
        for ok in [
            "istiod.istio-system.svc:15012",
            "foo:123",
            "10.0.0.1:80",
            "[::1]:15012",
            "zipkin.istio-system:9411",
            "istio.io.:443",
        ] {
            assert_eq!(validate_proxy_address(ok), Ok(()), "{ok}");
        }
        let err = |a: &str| validate_proxy_address(a).unwrap_err();
        assert!(err("istiod").contains("missing port in address"));
        assert!(err("a:b:c").contains("too many colons"));
        assert!(err("[::1:15012").contains("missing ']'"));
        assert!(err("istiod:0").contains("must be in the range 1..65535"));
        assert!(err("istiod:65536").contains("must be in the range"));
        assert!(err("istiod:x").contains("is not a number"));
        assert!(err(":15012").contains("is not a valid hostname"));
        assert!(err("Upper.case:1").contains("is not a valid hostname"));
        assert!(err("foo.123:80").contains("is not a valid hostname"));
    }

    #[test]
    fn domains() {
        assert!(validate_fqdn("cluster.local").is_ok());
        assert!(validate_fqdn("a.b.").is_ok());
        assert!(validate_fqdn("a..b").is_err());
        assert!(validate_fqdn("-a.b").is_err());
        assert!(validate_fqdn(&"a".repeat(64)).is_err());
        assert!(validate_wildcard_domain("*.foo.svc.cluster.local").is_ok());
        assert!(validate_wildcard_domain("*").is_ok());
        assert!(validate_wildcard_domain("foo*.bar").is_err());
        assert!(validate_trust_domain("cluster.local").is_ok());
        assert!(validate_trust_domain("td1.").is_ok());
        assert!(validate_trust_domain("").is_err());
        assert!(validate_trust_domain("Bad_Domain").is_err());
    }

    proptest! {
        #[test]
        fn address_checks_never_panic(text in ".{0,40}") {
            let _ = validate_proxy_address(&text);
            let _ = validate_wildcard_domain(&text);
            let _ = validate_trust_domain(&text);
        }
    }
}
