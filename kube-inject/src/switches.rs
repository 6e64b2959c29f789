//! istiod switches that istioctl takes from its environment: `ENABLE_NATIVE_SIDECARS` and
//! `COMPLIANCE_POLICY`. A flag, when given, wins over the variable.

pub const NATIVE_SIDECARS_ENV: &str = "ENABLE_NATIVE_SIDECARS";
pub const COMPLIANCE_POLICY_ENV: &str = "COMPLIANCE_POLICY";

/// The native-sidecar decision and, when the variable could not be read, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeSidecars {
    pub enabled: bool,
    pub warning: Option<String>,
}

/// Istio's `ENABLE_NATIVE_SIDECARS` is `true`, `false` or `auto` (the default). `auto` asks the
/// cluster's nodes; istioctl working from files has no cluster, so `auto` means off, as it does
/// for istioctl without a kube client. Boolean spellings follow Go's `strconv.ParseBool`; any
/// other value is ignored with a warning, as Istio's env parsing does.
pub fn native_sidecars(flag: Option<bool>, env: Option<&str>) -> NativeSidecars {
    if let Some(enabled) = flag {
        return NativeSidecars {
            enabled,
            warning: None,
        };
    }
    let Some(raw) = env else {
        return NativeSidecars {
            enabled: false,
            warning: None,
        };
    };
    match raw {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => NativeSidecars {
            enabled: true,
            warning: None,
        },
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => NativeSidecars {
            enabled: false,
            warning: None,
        },
        other if other.eq_ignore_ascii_case("auto") => NativeSidecars {
            enabled: false,
            warning: None,
        },
        other => NativeSidecars {
            enabled: false,
            warning: Some(format!(
                "ignoring {NATIVE_SIDECARS_ENV}={other:?}: expected true, false or auto; \
                 native sidecars are off"
            )),
        },
    }
}

/// istiod's `COMPLIANCE_POLICY` (empty: none).
pub fn compliance_policy(flag: Option<&str>, env: Option<&str>) -> String {
    flag.or(env).unwrap_or_default().trim().to_string()
}

/// An environment variable as text; a value that is not UTF-8 counts as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_sidecars_are_off_without_a_cluster_unless_asked_for() {
        assert!(!native_sidecars(None, None).enabled);
        assert!(!native_sidecars(None, Some("auto")).enabled);
        assert!(!native_sidecars(None, Some("AUTO")).enabled);
        assert!(!native_sidecars(None, Some("false")).enabled);
        assert!(native_sidecars(None, Some("true")).enabled);
        assert!(native_sidecars(None, Some("1")).enabled);
        assert!(native_sidecars(None, Some("True")).enabled);
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        assert!(native_sidecars(Some(true), Some("false")).enabled);
        assert!(!native_sidecars(Some(false), Some("true")).enabled);
        assert_eq!(
            compliance_policy(Some("fips-140-3"), Some("other")),
            "fips-140-3"
        );
        assert_eq!(compliance_policy(None, Some("fips-140-3")), "fips-140-3");
        assert_eq!(compliance_policy(None, None), "");
    }

    #[test]
    fn an_unreadable_value_is_ignored_with_a_warning() {
        let decision = native_sidecars(None, Some("yes please"));
        assert!(!decision.enabled);
        let warning = decision.warning.unwrap();
        assert!(warning.contains("ENABLE_NATIVE_SIDECARS"), "{warning}");
        assert!(warning.contains("yes please"), "{warning}");
    }
}
