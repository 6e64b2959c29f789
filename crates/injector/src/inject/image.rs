//! The proxy and init images (Istio's `ProxyImage`, `imageURL`, `updateImageTypeIfPresent`).
//!
//! `<hub>/<image>:<tag>[-<type>]`, where the type (`distroless`, `debug`, …) comes from the
//! values' `global.variant`, overridden for the sidecar by the ProxyConfig's `image.imageType`,
//! and for both by the pod annotation `sidecar.istio.io/proxyImageType`. Type `default` means no
//! suffix; a known suffix already on the tag is replaced rather than doubled.

/// The image name when the values name none.
pub const DEFAULT_IMAGE_NAME: &str = "proxyv2";
pub use crate::annotation::PROXY_IMAGE_TYPE as IMAGE_TYPE_ANNOTATION;
/// The image type meaning "no suffix".
pub const DEFAULT_TYPE: &str = "default";
/// Suffixes Istio publishes, stripped from a tag before the requested one is added.
pub const KNOWN_TYPES: [&str; 2] = ["distroless", "debug"];

/// The parts of one image reference.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageSpec<'a> {
    pub hub: &'a str,
    /// `global.proxy.image` / `global.proxy_init.image` (empty → `proxyv2`).
    pub name: &'a str,
    /// `global.tag` as Go prints it (`%v`).
    pub tag: &'a str,
    /// `global.variant`.
    pub variant: &'a str,
    /// The ProxyConfig's `image.imageType`, when the ProxyConfig has an `image` (sidecar only).
    pub proxy_config_type: Option<&'a str>,
    /// The pod's `sidecar.istio.io/proxyImageType`.
    pub annotation_type: Option<&'a str>,
}

/// Istio's `updateImageTypeIfPresent`.
pub fn update_image_type(tag: &str, image_type: &str) -> String {
    if image_type.is_empty() {
        return tag.to_string();
    }
    let base = KNOWN_TYPES
        .iter()
        .find_map(|known| tag.strip_suffix(known)?.strip_suffix('-'))
        .unwrap_or(tag);
    if image_type == DEFAULT_TYPE {
        base.to_string()
    } else {
        format!("{base}-{image_type}")
    }
}

/// Istio's `imageURL`.
pub fn image_url(hub: &str, name: &str, tag: &str, image_type: &str) -> String {
    format!("{hub}/{name}:{}", update_image_type(tag, image_type))
}

/// Istio's `ProxyImage` (and the init image, which passes no ProxyConfig type).
pub fn proxy_image(spec: &ImageSpec<'_>) -> String {
    let name = if spec.name.is_empty() {
        DEFAULT_IMAGE_NAME
    } else {
        spec.name
    };
    let image_type = spec
        .annotation_type
        .or(spec.proxy_config_type)
        .unwrap_or(spec.variant);
    image_url(spec.hub, name, spec.tag, image_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (hub, tag, ProxyConfig image type, annotation image type, expected image)
    type Case = (
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
    );

    // Istio's TestProxyImage, case by case.
    #[test]
    fn istio_proxy_image_cases() {
        let cases: [Case; 12] = [
            (
                "docker.io/istio",
                "11",
                None,
                None,
                "docker.io/istio/proxyv2:11",
            ),
            (
                "docker.io/istio",
                "1.12",
                Some("distroless"),
                None,
                "docker.io/istio/proxyv2:1.12-distroless",
            ),
            (
                "gcr.io/gke-release/asm",
                "1.11.2-asm.17",
                None,
                Some("distroless"),
                "gcr.io/gke-release/asm/proxyv2:1.11.2-asm.17-distroless",
            ),
            (
                "gcr.io/gke-release/asm",
                "1.11.2-asm.17",
                Some("distroless"),
                Some("debug"),
                "gcr.io/gke-release/asm/proxyv2:1.11.2-asm.17-debug",
            ),
            (
                "gcr.io/gke-release/asm",
                "1.11.2-asm.17",
                Some("debug"),
                Some("default"),
                "gcr.io/gke-release/asm/proxyv2:1.11.2-asm.17",
            ),
            (
                "gcr.io/gke-release/asm",
                "1.11.2-asm.17-distroless",
                Some("default"),
                None,
                "gcr.io/gke-release/asm/proxyv2:1.11.2-asm.17",
            ),
            (
                "gcr.io/gke-release/asm",
                "1.11.2-asm.17-distroless",
                None,
                Some("default"),
                "gcr.io/gke-release/asm/proxyv2:1.11.2-asm.17",
            ),
            (
                "docker.io/istio",
                "1.12-debug",
                Some("distroless"),
                None,
                "docker.io/istio/proxyv2:1.12-distroless",
            ),
            (
                "docker.io/istio",
                "1.12-distroless",
                None,
                Some("distroless"),
                "docker.io/istio/proxyv2:1.12-distroless",
            ),
            (
                "private-repo/istio",
                "1.12-this-is-unusual-tag",
                None,
                None,
                "private-repo/istio/proxyv2:1.12-this-is-unusual-tag",
            ),
            (
                "private-repo/istio",
                "1.12-this-is-unusual-tag-distroless",
                Some("default"),
                None,
                "private-repo/istio/proxyv2:1.12-this-is-unusual-tag",
            ),
            (
                "private-repo/istio",
                "1.12-this-is-unusual-tag",
                None,
                Some("distroless"),
                "private-repo/istio/proxyv2:1.12-this-is-unusual-tag-distroless",
            ),
        ];
        for (hub, tag, proxy_config_type, annotation_type, want) in cases {
            let spec = ImageSpec {
                hub,
                tag,
                proxy_config_type,
                annotation_type,
                ..ImageSpec::default()
            };
            assert_eq!(
                proxy_image(&spec),
                want,
                "{hub} {tag} {proxy_config_type:?} {annotation_type:?}"
            );
        }
    }

    #[test]
    fn variant_and_image_name() {
        let spec = ImageSpec {
            hub: "registry.istio.io/testing",
            name: "proxyInitTest",
            tag: "latest",
            variant: "distroless",
            ..ImageSpec::default()
        };
        assert_eq!(
            proxy_image(&spec),
            "registry.istio.io/testing/proxyInitTest:latest-distroless"
        );
        // An empty type from the ProxyConfig wins over the variant, as a set message field does.
        let spec = ImageSpec {
            proxy_config_type: Some(""),
            ..spec
        };
        assert_eq!(
            proxy_image(&spec),
            "registry.istio.io/testing/proxyInitTest:latest"
        );
        // A bare known suffix is not a "-suffix".
        assert_eq!(update_image_type("debug", "distroless"), "debug-distroless");
    }
}
