//! The injection pipeline: Istio's webhook `inject` and `injectPod` (`webhook.go`) with
//! `RunTemplate` (`inject.go`), over JSON pods.
//!
//! 1. The pod is read the way Go decodes it into a typed `corev1.Pod` (`typed`), without
//!    `managedFields`, its namespace filled from the request.
//! 2. Templates are rendered from the pod as it was before any previous injection
//!    ([`strip`]) and strategic-merged one by one into the pod.
//! 3. The user's own versions of injected containers are merged back on top, then
//!    post-processing runs ([`crate::postprocess`]).
//! 4. Istio answers with `diff(json(typed original), json(typed result))`, which the API server
//!    applies to the object it holds. [`Injector::inject`] returns that effect: the diff applied
//!    to the pod as received, so what Istio would not touch stays byte-identical.
//!
//! Re-injecting an injected pod returns it unchanged. Istio gets there by stripping its previous
//! injection first; where its second pass still differs from its first, we deviate from it on
//! re-injection only (the first injection stays exactly Istio's):
//! - the user overrides stored in `proxy.istio.io/overrides` are applied again
//!   ([`overrides::reapply_overwritten_containers`]);
//! - an `istio-proxy` the previous injection itself put in `containers` next to a native
//!   sidecar (a custom template adding to `istio-proxy`, e.g. SPIRE's) is not taken for a user
//!   customisation and moved into `initContainers` (see `Injector::run_templates`).
//!
//! One case stays outside that rule: a pod injected before it was edited and sent (its first
//! pass here is already a re-injection) may carry stale values from that older injection; the
//! next pass refreshes them, and from then on re-injection changes nothing.

pub mod image;
pub mod patch;
mod pristine;
pub mod select;
pub mod strip;
mod template_pod;
pub(crate) mod typed;

pub use crate::annotation::NATIVE_SIDECAR as NATIVE_SIDECAR_ANNOTATION;
pub use crate::annotation::PROXY_CONFIG as PROXY_CONFIG_ANNOTATION;
pub use crate::annotation::{NETWORK as NETWORK_LABEL, NETWORK_ENV};
use crate::config::{
    InjectorConfig, InterceptionMode, MeshConfig, ProxyConfig, ProxyConfigResources, Values,
};
use crate::decide::{self, Decision};
use crate::deploymeta::{self, DeployMeta};
use crate::error::{ConfigError, InjectError};
use crate::openshift;
use crate::postprocess::{self, containers, overrides, status};
use crate::render::{
    Renderer, StockTemplates, TemplateData, builtin::Builtin, template::Templates,
};
use crate::validate;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The proxy env of the cluster id.
pub const CLUSTER_ENV: &str = "ISTIO_META_CLUSTER_ID";
/// The template `kube-inject` applies when the pod names none.
pub const SIDECAR_TEMPLATE: &str = "sidecar";

/// Which of Istio's entry points the injector behaves as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// istiod's admission webhook: the config's policy, selectors, default templates, aliases
    /// and injected annotations apply; the pod's namespace is filled from the request.
    #[default]
    Webhook,
    /// `istioctl kube-inject`: policy `enabled` without selectors, templates `[sidecar]` unless
    /// the pod names others, no aliases, no injected annotations, no proxy envs.
    KubeInject,
}

/// Injector-wide settings that are not part of Istio's configuration objects.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The istiod revision; `""` is written as `default` where Istio does that.
    pub revision: String,
    /// Istio's native-sidecar decision for the cluster (`DetectNativeSidecar`); a pod's
    /// `sidecar.istio.io/nativeSidecar` annotation still overrides it.
    pub native_sidecars: bool,
    /// istiod's `COMPLIANCE_POLICY` (e.g. `fips-140-3`).
    pub compliance_policy: String,
    /// istiod runs with `PLATFORM=openshift`: proxy UID/GID come from the namespace.
    pub openshift: bool,
    pub mode: Mode,
    /// Proxy envs from the webhook URL path (`ISTIO_META_CLUSTER_ID` …); usually empty.
    pub proxy_envs: BTreeMap<String, String>,
    /// Who renders the config's templates that are Istio's stock text.
    pub stock_templates: StockTemplates,
}

/// What the request says about the pod's surroundings.
#[derive(Debug, Clone, Copy, Default)]
pub struct PodContext<'a> {
    /// The admission request's namespace.
    pub namespace: &'a str,
    /// The annotations of the pod's Namespace (OpenShift UID/GID ranges), when known.
    pub namespace_annotations: Option<&'a Map<String, Value>>,
}

/// An injected pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Injected {
    /// The pod as the API server would hold it after applying Istio's patch.
    pub pod: Value,
    /// Things Istio logs as warnings about this pod.
    pub warnings: Vec<String>,
    /// Whether `pod` differs from the pod received (false for a pod already injected).
    pub changed: bool,
}

/// Istio's injector for one configuration: parsed config, values, mesh and a renderer.
pub struct Injector {
    config: InjectorConfig,
    values: Values,
    mesh: MeshConfig,
    options: Options,
    renderer: Box<dyn Renderer>,
    proxy_configs: Option<ProxyConfigResources>,
    entry: EntryPoint,
}

/// What the entry point ([`Mode`]) changes in the pipeline, resolved when the injector is
/// built.
struct EntryPoint {
    /// The config `injectRequired` decides with: kube-inject's is policy `enabled` without
    /// selectors; `None` is the injector's own (webhook).
    fixed_policy: Option<InjectorConfig>,
    /// Templates a pod gets when it names none, and the aliases its names may use.
    default_templates: Vec<String>,
    aliases: BTreeMap<String, Vec<String>>,
    /// Annotations added to every injected pod.
    injected_annotations: BTreeMap<String, String>,
    /// Proxy envs before cluster id and network are folded in.
    proxy_envs: BTreeMap<String, String>,
    /// The webhook fills a pod's missing namespace from the request.
    namespace_from_request: bool,
}

impl EntryPoint {
    fn resolve(config: &InjectorConfig, options: &Options) -> EntryPoint {
        match options.mode {
            Mode::Webhook => EntryPoint {
                fixed_policy: None,
                default_templates: config.default_templates.clone(),
                aliases: config.aliases.clone(),
                injected_annotations: config.injected_annotations.clone(),
                proxy_envs: options.proxy_envs.clone(),
                namespace_from_request: true,
            },
            Mode::KubeInject => EntryPoint {
                fixed_policy: Some(InjectorConfig::builtin()),
                default_templates: vec![SIDECAR_TEMPLATE.to_string()],
                aliases: BTreeMap::new(),
                injected_annotations: BTreeMap::new(),
                proxy_envs: BTreeMap::new(),
                namespace_from_request: false,
            },
        }
    }
}

/// What rendering the selected templates into a pod gives (Istio's `RunTemplate`).
struct Rendered {
    /// The pod with every selected template strategic-merged into it.
    merged: Value,
    /// The templates' own output merged together (Istio's `templatePod`).
    template_pod: Value,
    /// The proxy envs: the entry point's plus cluster id and network.
    proxy_envs: BTreeMap<String, String>,
}

/// Where the pod in its typed form (Go's `corev1.Pod`) is held.
enum TypedPod {
    /// The received pod is its own typed form, with these members set aside.
    Received(pristine::SetAside),
    /// A typed copy of the received pod.
    Copy(Value),
}

/// The per-pod inputs of rendering, read before it.
struct RenderInput<'a> {
    pod: &'a Value,
    /// The pod's decoded `proxy.istio.io/overrides`.
    stored_overrides: &'a overrides::ParsedContainers,
    proxy_config: &'a ProxyConfig,
    deploy_meta: &'a DeployMeta,
    proxy_uid: i64,
    proxy_gid: i64,
}

impl std::fmt::Debug for Injector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Injector")
            .field("config", &self.config)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Injector {
    /// An injector rendering `config.templates` with the Go-template engine, or, when the
    /// config has no template text, Istio's stock templates natively. Templates that are the
    /// chart's own text are rendered natively too, unless `options.stock_templates` says
    /// otherwise.
    pub fn new(
        config: InjectorConfig,
        values: Values,
        mesh: MeshConfig,
        options: Options,
    ) -> Result<Injector, ConfigError> {
        let renderer: Box<dyn Renderer> = if config.templates.is_empty() {
            Box::new(Builtin)
        } else {
            Box::new(
                Templates::lazy(&config)
                    .with_stock(options.stock_templates)
                    .checked()?,
            )
        };
        Ok(Injector::build(config, values, mesh, options, renderer))
    }

    /// Like [`Injector::new`], but each template is parsed when a pod first selects it, and
    /// one that does not parse fails those pods with [`InjectError::InvalidTemplate`]. For a
    /// configuration checked beforehand, or one that must keep serving its good templates: a
    /// policy instance lives for one request and usually needs one of the chart's eight
    /// templates; parsing the other seven cost about a quarter of a typical evaluation.
    pub fn with_lazy_templates(
        config: InjectorConfig,
        values: Values,
        mesh: MeshConfig,
        options: Options,
    ) -> Injector {
        let renderer: Box<dyn Renderer> = if config.templates.is_empty() {
            Box::new(Builtin)
        } else {
            Box::new(Templates::lazy(&config).with_stock(options.stock_templates))
        };
        Injector::build(config, values, mesh, options, renderer)
    }

    fn build(
        config: InjectorConfig,
        values: Values,
        mesh: MeshConfig,
        options: Options,
        renderer: Box<dyn Renderer>,
    ) -> Injector {
        let entry = EntryPoint::resolve(&config, &options);
        Injector {
            config,
            values,
            mesh,
            options,
            renderer,
            proxy_configs: None,
            entry,
        }
    }

    pub fn config(&self) -> &InjectorConfig {
        &self.config
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn mesh(&self) -> &MeshConfig {
        &self.mesh
    }

    /// Settles the cluster's native-sidecar support once it is known: the policy asks the
    /// cluster's nodes only for pods that are injected.
    pub fn set_native_sidecars(&mut self, native: bool) {
        self.options.native_sidecars = native;
    }

    /// The cluster's `ProxyConfig` resources, merged into each pod's proxy config as istiod's
    /// webhook does. Without them (the default), the mesh default and the pod's annotation.
    pub fn set_proxy_configs(&mut self, resources: ProxyConfigResources) {
        self.proxy_configs = Some(resources);
    }

    /// Istio's `injectRequired`. In webhook mode with the config's policy and selectors, the
    /// pod's namespace taken from the request when the pod has none; in kube-inject mode with
    /// policy `enabled` and no selectors.
    pub fn inject_required(&self, pod: &Value, request_namespace: &str) -> Decision {
        if let Some(fixed) = &self.entry.fixed_policy {
            return decide::inject_required(fixed, pod);
        }
        match with_request_namespace(pod, request_namespace) {
            Some(view) => decide::inject_required(&self.config, &view),
            None => decide::inject_required(&self.config, pod),
        }
    }

    /// Injects the pod (whose injection was decided by [`Injector::inject_required`]); the
    /// workload is found from the pod's owner references.
    pub fn inject(&self, pod: &Value, ctx: &PodContext<'_>) -> Result<Injected, InjectError> {
        self.inject_pod(Cow::Borrowed(pod), ctx, None)
    }

    /// [`Injector::inject`] of a pod the caller is done with: the result is built in it
    /// rather than in a copy.
    pub fn inject_owned(&self, pod: Value, ctx: &PodContext<'_>) -> Result<Injected, InjectError> {
        self.inject_pod(Cow::Owned(pod), ctx, None)
    }

    /// Injects a pod template of a known workload (kube-inject: the workload's kind, name and
    /// namespace come from the enclosing object, not from owner references).
    pub fn inject_workload(
        &self,
        pod: &Value,
        ctx: &PodContext<'_>,
        workload: &DeployMeta,
    ) -> Result<Injected, InjectError> {
        self.inject_pod(Cow::Borrowed(pod), ctx, Some(workload))
    }

    /// [`Injector::inject_workload`] of a template the caller is done with: the result is
    /// built in it rather than in a copy.
    pub fn inject_workload_owned(
        &self,
        pod: Value,
        ctx: &PodContext<'_>,
        workload: &DeployMeta,
    ) -> Result<Injected, InjectError> {
        self.inject_pod(Cow::Owned(pod), ctx, Some(workload))
    }

    fn inject_pod(
        &self,
        raw: Cow<'_, Value>,
        ctx: &PodContext<'_>,
        workload: Option<&DeployMeta>,
    ) -> Result<Injected, InjectError> {
        if !raw.is_object() {
            return Err(InjectError::InvalidPod(
                "the pod must be a JSON object".into(),
            ));
        }
        let request_namespace = (self.entry.namespace_from_request && !ctx.namespace.is_empty())
            .then_some(ctx.namespace);
        let mut raw = raw.into_owned();
        // OpenShift may edit the typed pod below, which then is no longer the received one.
        let received_typed = match self.options.openshift {
            false => pristine::adopt_typed(&mut raw, request_namespace),
            true => None,
        };
        let mut pod = match received_typed {
            Some(_) => raw.clone(),
            None => {
                let mut pod = typed::normalize_pod(&raw)?;
                if let Some(namespace) = request_namespace
                    && pod_namespace(&pod).is_empty()
                {
                    typed::set_namespace(&mut pod, namespace)?;
                }
                pod
            }
        };

        let deploy_meta = match workload {
            Some(meta) => meta.clone(),
            None => deploymeta::deploy_meta(&pod),
        };
        // A pod template (kube-inject) has no namespace of its own: its workload's.
        let namespace = match pod_namespace(&pod) {
            "" => deploy_meta.namespace.as_str(),
            own => own,
        };
        let proxy_config = self.proxy_config_for(&pod, namespace);
        let (proxy_uid, proxy_gid) = if self.options.openshift {
            reset_sidecar_user_matching_app(&mut pod);
            openshift::proxy_ids(ctx.namespace_annotations)
        } else {
            (openshift::DEFAULT_PROXY_ID, openshift::DEFAULT_PROXY_ID)
        };
        let warnings = precondition_warnings(&pod);

        // The typed pod stays as received (Istio's `req.pod`): the diff base and the source
        // of user overrides; the templates are merged into a copy. When the received pod is
        // its own typed form, it is the typed pod, and the typed copy is the merge base.
        let set_aside = match received_typed {
            Some(set_aside) => Some(set_aside),
            None => pristine::adopt(&mut raw, &pod),
        };
        let (typed, base) = match set_aside {
            Some(set_aside) => (TypedPod::Received(set_aside), pod),
            None => {
                let base = pod.clone();
                (TypedPod::Copy(pod), base)
            }
        };
        let pod = match &typed {
            TypedPod::Received(_) => &raw,
            TypedPod::Copy(pod) => pod,
        };
        let empty = Map::new();
        validate::validate_annotations(containers::annotations(pod).unwrap_or(&empty))?;
        let stored_overrides = overrides::parse_annotation(pod)?;
        let Rendered {
            merged,
            template_pod,
            proxy_envs,
        } = self.run_templates(
            &RenderInput {
                pod,
                stored_overrides: &stored_overrides,
                proxy_config: &proxy_config,
                deploy_meta: &deploy_meta,
                proxy_uid,
                proxy_gid,
            },
            base,
        )?;

        let tproxy = proxy_config.interception_mode() == InterceptionMode::Tproxy;
        let mut merged = overrides::reapply_overwritten_containers(
            merged,
            pod,
            &stored_overrides,
            &template_pod,
            tproxy,
        )?;

        let settings = postprocess::PostProcess {
            proxy_envs: &proxy_envs,
            status_port: self.mesh.default_config().status_port(),
            prometheus_merge: self.mesh.enable_prometheus_merge(),
            rewrite_app_probers: self.values.rewrite_app_http_probe(),
            revision: &self.options.revision,
            injected_annotations: &self.entry.injected_annotations,
            hold_application: proxy_config
                .hold_application_until_proxy_starts()
                .unwrap_or(false)
                || self.values.hold_application_until_proxy_starts(),
        };
        postprocess::post_process_pod(&mut merged, &template_pod, &settings)?;
        let merged = typed::normalize_post_processed(merged)
            .map_err(|e| InjectError::PostProcess(format!("injected pod is invalid: {e}")))?;

        let patched = match typed {
            TypedPod::Received(set_aside) => set_aside.apply(raw, merged),
            TypedPod::Copy(typed) => patch::apply_changes(raw, &typed, merged),
        };
        Ok(Injected {
            pod: patched.pod,
            warnings,
            changed: patched.changed,
        })
    }

    /// The ProxyConfig of this pod: the mesh default, the cluster's ProxyConfig resources when
    /// given, and the pod's `proxy.istio.io/config`, in istiod's order. An invalid annotation
    /// is ignored here, as Istio does; annotation validation then refuses the pod with the
    /// reason.
    fn proxy_config_for(&self, pod: &Value, namespace: &str) -> Cow<'_, ProxyConfig> {
        let default = self.mesh.default_config();
        let annotation = containers::annotation(pod, PROXY_CONFIG_ANNOTATION);
        match &self.proxy_configs {
            Some(resources) => {
                let empty = Map::new();
                let labels = pod
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                Cow::Owned(resources.effective(
                    default,
                    self.mesh.root_namespace(),
                    namespace,
                    labels,
                    annotation,
                ))
            }
            None => match annotation {
                Some(text) => {
                    Cow::Owned(default.apply_yaml(text).unwrap_or_else(|_| default.clone()))
                }
                None => Cow::Borrowed(default),
            },
        }
    }

    /// Istio's `RunTemplate` (after annotation validation).
    ///
    /// **Deviation from Istio, on re-injection only.** With native sidecars, Istio moves an
    /// `istio-proxy` found in `containers` into `initContainers` so that a user's customisation
    /// merges into the native sidecar. When the previous injection's own templates put an
    /// `istio-proxy` in both lists (the status annotation lists it in both; SPIRE's template
    /// adds a volume mount to `containers[istio-proxy]`), the one in `containers` is that
    /// template output, not a customisation (a customisation was merged on first injection
    /// and is stored in `proxy.istio.io/overrides`). Istio moves it anyway: `initContainers`
    /// then holds two `istio-proxy`, reordering keeps the last (the stub) and the native
    /// sidecar loses its image, args, env and probes. We leave it in place; the templates merge
    /// into both copies as on first injection.
    ///
    /// `base` is the first merge's base, a typed pod equal to `input.pod`.
    fn run_templates(&self, input: &RenderInput<'_>, base: Value) -> Result<Rendered, InjectError> {
        let &RenderInput {
            pod,
            stored_overrides,
            proxy_config,
            deploy_meta,
            proxy_uid,
            proxy_gid,
        } = input;
        let proxy_envs = self.proxy_envs(pod);
        let status_port = self.mesh.default_config().status_port();
        let view = strip::template_view(pod, status_port, stored_overrides);
        let view = view.as_ref().unwrap_or(pod);
        let view_annotation = |key: &str| containers::annotation(view, key);

        let hub = self.values.hub();
        let tag = self.values.tag();
        let image_type_annotation = view_annotation(image::IMAGE_TYPE_ANNOTATION);
        let proxy_image = image::proxy_image(&image::ImageSpec {
            hub,
            name: self.values.proxy_image(),
            tag: &tag,
            variant: self.values.variant(),
            proxy_config_type: proxy_config.image_type(),
            annotation_type: image_type_annotation,
        });
        let proxy_init_image = image::proxy_image(&image::ImageSpec {
            hub,
            name: self.values.proxy_init_image(),
            tag: &tag,
            variant: self.values.variant(),
            proxy_config_type: None,
            annotation_type: image_type_annotation,
        });

        static NULL: Value = Value::Null;
        let data = TemplateData {
            deploy_meta,
            object_meta: view.get("metadata").unwrap_or(&NULL),
            spec: view.get("spec").unwrap_or(&NULL),
            proxy_config,
            mesh_config: &self.mesh,
            values: &self.values,
            revision: &self.options.revision,
            native_sidecars: self.options.native_sidecars,
            proxy_image: &proxy_image,
            proxy_init_image: &proxy_init_image,
            proxy_uid,
            proxy_gid,
            inbound_traffic_policy_mode: self.mesh.inbound_traffic_policy_mode(),
            compliance_policy: &self.options.compliance_policy,
        };

        let selected = select::select_templates(
            containers::annotation(pod, select::TEMPLATES_ANNOTATION),
            &self.entry.default_templates,
            &self.entry.aliases,
        );

        let proxy_previously_in_both_lists = containers::annotation(pod, status::ANNOTATION)
            .and_then(status::InjectionStatus::parse)
            .is_some_and(|previous| {
                let listed = |names: &[String]| names.iter().any(|n| n == containers::PROXY);
                listed(&previous.containers) && listed(&previous.init_containers)
            });

        let mut merged = base;
        let mut template_pod = Value::Object(Map::new());
        for name in &selected {
            if !self.renderer.has_template(name) {
                let mut have = self.renderer.template_names();
                have.sort();
                return Err(InjectError::TemplateNotFound {
                    name: name.clone(),
                    have: have.join(", "),
                });
            }
            let rendered = self.renderer.render(name, &data)?;
            // A single template's names are the render's: no copy of it merged and normalized.
            let names_only = match selected.len() {
                1 => template_pod::names_only(&rendered),
                _ => None,
            };
            let shortcut = names_only.is_some();
            template_pod = match names_only {
                Some(names) => names,
                None => typed::merge_template(std::mem::take(&mut template_pod), rendered.clone())?,
            };

            let native = match containers::annotation(&merged, NATIVE_SIDECAR_ANNOTATION) {
                Some("true") => true,
                Some("false") => false,
                _ => self.options.native_sidecars,
            };
            // A user's `istio-proxy` customisation sits in `containers`; with a native sidecar
            // the injected proxy is an init container, so the customisation moves there to be
            // merged into it.
            let move_proxy = native
                && !proxy_previously_in_both_lists
                && containers::find(
                    containers::list(&template_pod, containers::INIT_CONTAINERS),
                    containers::PROXY,
                )
                .is_some()
                && containers::find(
                    containers::list(&merged, containers::CONTAINERS),
                    containers::PROXY,
                )
                .is_some();
            // The previous template's result is merged into, not copied.
            let mut base = std::mem::take(&mut merged);
            let result = if move_proxy {
                // The move changes the base beyond what the overlay reaches.
                move_proxy_to_init_containers(&mut base);
                typed::merge_overlay_owned(base, rendered)
            } else {
                typed::merge_overlay_typed(base, rendered)
            };
            match result {
                Ok(pod) => merged = pod,
                Err(error) => {
                    if shortcut {
                        // Istio builds the template pod first: its error is the one reported.
                        // Rendering is deterministic, so the render is had again, not kept.
                        let again = self.renderer.render(name, &data)?;
                        typed::merge_template(Value::Object(Map::new()), again)?;
                    }
                    return Err(error);
                }
            }
        }
        Ok(Rendered {
            merged,
            template_pod,
            proxy_envs,
        })
    }

    /// Istio's `extractClusterAndNetwork` folded into the proxy envs: values' cluster name and
    /// network, overridden by URL-path envs, the network by the pod's network label.
    fn proxy_envs(&self, pod: &Value) -> BTreeMap<String, String> {
        let mut envs = self.entry.proxy_envs.clone();
        let mut cluster = self.values.cluster_name().to_string();
        let mut network = self.values.network().to_string();
        if let Some(url_cluster) = envs.get(CLUSTER_ENV).filter(|v| !v.is_empty()) {
            cluster = url_cluster.clone();
        }
        if let Some(url_network) = envs.get(NETWORK_ENV).filter(|v| !v.is_empty()) {
            network = url_network.clone();
        }
        if let Some(label) = pod
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(NETWORK_LABEL))
            .and_then(Value::as_str)
        {
            network = label.to_string();
        }
        if !cluster.is_empty() {
            envs.insert(CLUSTER_ENV.into(), cluster);
        }
        if !network.is_empty() {
            envs.insert(NETWORK_ENV.into(), network);
        }
        envs
    }
}

fn pod_namespace(pod: &Value) -> &str {
    pod.get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The parts of the pod `injectRequired` reads, with the request's namespace filled in;
/// `None` when the pod can be decided as it is (it has a namespace, or its shape is invalid
/// and the decision must report that).
fn with_request_namespace(pod: &Value, request_namespace: &str) -> Option<Value> {
    if request_namespace.is_empty() || !pod_namespace(pod).is_empty() {
        return None;
    }
    let root = pod.as_object()?;
    let mut metadata = match root.get("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return None,
    };
    if !matches!(
        metadata.get("namespace"),
        None | Some(Value::Null) | Some(Value::String(_))
    ) {
        return None;
    }
    metadata.insert(
        "namespace".into(),
        Value::String(request_namespace.to_string()),
    );
    let spec = match root.get("spec") {
        Some(Value::Object(spec)) => {
            let mut view = Map::new();
            if let Some(host_network) = spec.get("hostNetwork") {
                view.insert("hostNetwork".into(), host_network.clone());
            }
            Value::Object(view)
        }
        None => Value::Null,
        Some(_) => return None,
    };
    let mut view = Map::new();
    view.insert("metadata".into(), Value::Object(metadata));
    view.insert("spec".into(), spec);
    Some(Value::Object(view))
}

/// Moves the pod's `istio-proxy` from `containers` to the end of `initContainers` (Istio's
/// `moveContainer`).
fn move_proxy_to_init_containers(pod: &mut Value) {
    let Some(mut main) = containers::list_mut(pod, containers::CONTAINERS).map(std::mem::take)
    else {
        return;
    };
    if let Some(init) = containers::list_or_create(pod, containers::INIT_CONTAINERS) {
        containers::move_container(&mut main, init, containers::PROXY);
    }
    if let Some(list) = containers::list_mut(pod, containers::CONTAINERS) {
        *list = main;
    }
}

fn run_as_user(container: &Value) -> Option<i64> {
    container.get("securityContext")?.get("runAsUser")?.as_i64()
}

/// OpenShift assigns every container of a pod the same runAsUser, the user's `istio-proxy`
/// included; a proxy running as the application's uid breaks traffic interception. Like
/// Istio, a user `istio-proxy` whose runAsUser equals the application's (unset counts as 0)
/// loses its runAsUser and runAsGroup, so the injected ones apply.
fn reset_sidecar_user_matching_app(pod: &mut Value) {
    let list = containers::list(pod, containers::CONTAINERS);
    let mut sidecar_user = 0;
    let mut app_user = 0;
    for container in list {
        match containers::name(container) {
            containers::PROXY => sidecar_user = run_as_user(container).unwrap_or(sidecar_user),
            containers::VALIDATION | containers::INIT => {}
            _ => app_user = run_as_user(container).unwrap_or(app_user),
        }
    }
    if sidecar_user != app_user {
        return;
    }
    let Some(context) = containers::find_sidecar_mut(pod)
        .and_then(|sidecar| sidecar.get_mut("securityContext"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // Shifted, not swapped out: the pod stays in Go's field order (the merges expect it).
    context.shift_remove("runAsUser");
    context.shift_remove("runAsGroup");
}

/// Istio's `checkPreconditions`: a pod not using cluster DNS may not reach istiod.
fn precondition_warnings(pod: &Value) -> Vec<String> {
    let dns_policy = pod
        .get("spec")
        .and_then(|s| s.get("dnsPolicy"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if dns_policy.is_empty() || dns_policy == "ClusterFirst" {
        return Vec::new();
    }
    let metadata = pod.get("metadata");
    let field = |name: &str| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let pod_name = match (field("name"), field("generateName")) {
        ("", "") => String::new(),
        ("", generated) => format!("{generated}***** (actual name not yet known)"),
        (name, _) => name.to_string(),
    };
    vec![format!(
        "{:?}'s DNSPolicy is not \"ClusterFirst\". The Envoy sidecar may not able to connect to Istio Pilot",
        format!("{}/{pod_name}", field("namespace"))
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_namespace_view() {
        let pod = json!({"metadata": {"labels": {"a": "b"}}, "spec": {"hostNetwork": true, "containers": []}});
        assert_eq!(
            with_request_namespace(&pod, "ns"),
            Some(
                json!({"metadata": {"labels": {"a": "b"}, "namespace": "ns"}, "spec": {"hostNetwork": true}})
            )
        );
        assert_eq!(with_request_namespace(&pod, ""), None);
        assert_eq!(
            with_request_namespace(&json!({"metadata": {"namespace": "x"}}), "ns"),
            None
        );
        assert_eq!(with_request_namespace(&json!({"metadata": 3}), "ns"), None);
        assert_eq!(with_request_namespace(&json!({"spec": []}), "ns"), None);
    }

    #[test]
    fn openshift_resets_a_proxy_user_equal_to_the_app_user() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "app", "securityContext": {"runAsUser": 1000650000}},
            {"name": "istio-proxy", "securityContext": {"runAsUser": 1000650000, "runAsGroup": 5, "privileged": false}}
        ]}});
        reset_sidecar_user_matching_app(&mut pod);
        assert_eq!(
            pod["spec"]["containers"][1]["securityContext"],
            json!({"privileged": false})
        );

        let mut differs = json!({"spec": {"containers": [
            {"name": "app", "securityContext": {"runAsUser": 1000}},
            {"name": "istio-proxy", "securityContext": {"runAsUser": 1337}}
        ]}});
        let before = differs.clone();
        reset_sidecar_user_matching_app(&mut differs);
        assert_eq!(differs, before);
    }

    #[test]
    fn dns_policy_warning() {
        let pod = json!({"metadata": {"namespace": "ns", "generateName": "web-"}, "spec": {"dnsPolicy": "Default"}});
        assert_eq!(
            precondition_warnings(&pod),
            vec![r#""ns/web-***** (actual name not yet known)"'s DNSPolicy is not "ClusterFirst". The Envoy sidecar may not able to connect to Istio Pilot"#.to_string()]
        );
        assert!(precondition_warnings(&json!({"spec": {"dnsPolicy": "ClusterFirst"}})).is_empty());
    }

    fn injector_with(values: Value, options: Options) -> Injector {
        let values = Values::istio_defaults().overlay(&values);
        match Injector::new(
            InjectorConfig::builtin(),
            values,
            MeshConfig::istio_defaults(),
            options,
        ) {
            Ok(injector) => injector,
            Err(e) => panic!("{e}"),
        }
    }

    fn injector(options: Options) -> Injector {
        injector_with(json!({}), options)
    }

    fn native() -> Options {
        Options {
            native_sidecars: true,
            ..Options::default()
        }
    }

    fn hello(annotations: Value) -> Value {
        json!({
            "metadata": {
                "name": "hello",
                "annotations": annotations,
                "managedFields": [{"manager": "kubectl", "operation": "Update"}]
            },
            "spec": {"containers": [{
                "name": "hello",
                "image": "hello:1",
                "resources": {"limits": {"cpu": "2000m"}},
                "x-future-field": {"kept": true}
            }]}
        })
    }

    fn run(injector: &Injector, pod: &Value, namespace: &str) -> Result<Injected, InjectError> {
        injector.inject(
            pod,
            &PodContext {
                namespace,
                namespace_annotations: None,
            },
        )
    }

    fn names(pod: &Value, field: &str) -> Vec<String> {
        containers::list(pod, field)
            .iter()
            .map(|c| containers::name(c).to_string())
            .collect()
    }

    #[test]
    fn untouched_parts_of_the_pod_stay_as_sent() {
        let pod = hello(Value::Null);
        let Ok(out) = run(&injector(native()), &pod, "ns") else {
            panic!("injection failed")
        };
        // Istio's patch is computed on typed pods that both lack managedFields and both carry
        // the request namespace: neither shows up in the result.
        assert_eq!(
            out.pod["metadata"]["managedFields"],
            pod["metadata"]["managedFields"]
        );
        assert!(out.pod["metadata"].get("namespace").is_none());
        assert_eq!(
            out.pod["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "2000m"
        );
        assert_eq!(
            out.pod["spec"]["containers"][0]["x-future-field"],
            json!({"kept": true})
        );
        assert_eq!(
            names(&out.pod, containers::INIT_CONTAINERS),
            ["istio-init", "istio-proxy"]
        );
        assert!(out.warnings.is_empty());
    }

    // Post-processing appends annotations and labels; Istio's patch adds them in Go's order
    // (sorted map keys) after the pod's own.
    #[test]
    fn post_processing_edits_come_out_in_go_order() {
        let mut pod = hello(json!({"zzz": "last"}));
        pod["metadata"]["labels"] = json!({"zz": "last"});
        pod["spec"]["containers"][0]["readinessProbe"] =
            json!({"periodSeconds": 5, "httpGet": {"port": 8080, "path": "/ready"}});
        let injector = injector_with(json!({"global": {"network": "net1"}}), native());
        let Ok(out) = run(&injector, &pod, "ns") else {
            panic!("injection failed")
        };
        let keys = |v: &Value| -> Vec<String> {
            v.as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let annotations = keys(&out.pod["metadata"]["annotations"]);
        assert_eq!(annotations[0], "zzz");
        assert!(annotations.len() > 2, "{annotations:?}");
        assert!(annotations[1..].is_sorted(), "{annotations:?}");
        let labels = keys(&out.pod["metadata"]["labels"]);
        assert_eq!(labels[0], "zz");
        assert!(labels.iter().any(|l| l == NETWORK_LABEL), "{labels:?}");
        assert!(labels[1..].is_sorted(), "{labels:?}");
        // A rewritten probe keeps the fields it had where they were (the patch replaces them).
        let probe = &out.pod["spec"]["containers"][0]["readinessProbe"];
        assert_eq!(keys(probe), ["periodSeconds", "httpGet"]);
        assert_eq!(probe["httpGet"]["path"], "/app-health/hello/readyz");
    }

    #[test]
    fn missing_template_is_reported_with_istios_text() {
        let pod = hello(json!({select::TEMPLATES_ANNOTATION: "sidecar, nope"}));
        match run(&injector(native()), &pod, "ns") {
            Err(e @ InjectError::TemplateNotFound { .. }) => assert_eq!(
                e.to_string(),
                r#"requested template "nope" not found; have gateway, grpc-agent, grpc-simple, sidecar"#
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_annotations_refuse_the_pod() {
        let pod = hello(json!({"sidecar.istio.io/interceptionMode": "MAGIC"}));
        assert!(matches!(
            run(&injector(native()), &pod, "ns"),
            Err(InjectError::InvalidAnnotations(_))
        ));
        let pod = hello(json!({PROXY_CONFIG_ANNOTATION: "concurrency: [1]"}));
        assert!(matches!(
            run(&injector(native()), &pod, "ns"),
            Err(InjectError::InvalidAnnotations(_))
        ));
    }

    #[test]
    fn pod_annotation_overrides_native_sidecars() {
        let pod = hello(json!({NATIVE_SIDECAR_ANNOTATION: "false"}));
        let Ok(out) = run(&injector(native()), &pod, "ns") else {
            panic!()
        };
        assert_eq!(
            names(&out.pod, containers::CONTAINERS),
            ["hello", "istio-proxy"]
        );
        assert_eq!(names(&out.pod, containers::INIT_CONTAINERS), ["istio-init"]);
    }

    #[test]
    fn network_and_cluster_envs() {
        let values =
            json!({"global": {"network": "net-values", "multiCluster": {"clusterName": "c1"}}});
        let mut options = native();
        options
            .proxy_envs
            .insert(CLUSTER_ENV.into(), "c-url".into());
        options.proxy_envs.insert("EXTRA".into(), "x".into());
        let injector = injector_with(values, options);
        let env_of = |out: &Injected| -> Vec<(String, String)> {
            containers::find_sidecar(&out.pod)
                .and_then(|c| c.get("env"))
                .and_then(Value::as_array)
                .map(|env| {
                    env.iter()
                        .map(|e| {
                            let value = e.get("value").and_then(Value::as_str).unwrap_or("");
                            (containers::name(e).to_string(), value.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let Ok(out) = run(&injector, &hello(Value::Null), "ns") else {
            panic!()
        };
        let env = env_of(&out);
        // The injector's envs end the list, sorted by name, with the injector's values.
        let tail: Vec<&(String, String)> = env.iter().rev().take(3).collect();
        assert_eq!(tail[2], &("EXTRA".to_string(), "x".to_string()));
        assert_eq!(tail[1], &(CLUSTER_ENV.to_string(), "c-url".to_string()));
        assert_eq!(
            tail[0],
            &(NETWORK_ENV.to_string(), "net-values".to_string())
        );
        assert_eq!(out.pod["metadata"]["labels"][NETWORK_LABEL], "net-values");

        let mut labelled = hello(Value::Null);
        labelled["metadata"]["labels"] = json!({NETWORK_LABEL: "net-label"});
        let Ok(out) = run(&injector, &labelled, "ns") else {
            panic!()
        };
        assert!(env_of(&out).contains(&(NETWORK_ENV.to_string(), "net-label".to_string())));
    }

    #[test]
    fn kube_inject_ignores_webhook_only_settings() {
        let mut config = InjectorConfig::builtin();
        config
            .aliases
            .insert("sidecar".into(), vec!["gateway".into()]);
        config
            .injected_annotations
            .insert("injected".into(), "yes".into());
        let make = |mode| {
            let options = Options { mode, ..native() };
            match Injector::new(
                config.clone(),
                Values::istio_defaults(),
                MeshConfig::istio_defaults(),
                options,
            ) {
                Ok(injector) => injector,
                Err(e) => panic!("{e}"),
            }
        };
        let pod = hello(Value::Null);
        let Ok(kube) = run(&make(Mode::KubeInject), &pod, "ns") else {
            panic!()
        };
        assert!(
            kube.pod["metadata"]["annotations"]
                .get("injected")
                .is_none()
        );
        assert_eq!(
            names(&kube.pod, containers::INIT_CONTAINERS),
            ["istio-init", "istio-proxy"]
        );

        let Ok(webhook) = run(&make(Mode::Webhook), &pod, "ns") else {
            panic!()
        };
        assert_eq!(webhook.pod["metadata"]["annotations"]["injected"], "yes");
        // The alias turned `sidecar` into the gateway template: the proxy is a plain container.
        assert_eq!(
            names(&webhook.pod, containers::CONTAINERS),
            ["hello", "istio-proxy"]
        );
    }

    #[test]
    fn user_proxy_customisation_is_merged_and_stored() {
        let mut pod = hello(Value::Null);
        if let Some(list) = containers::list_mut(&mut pod, containers::CONTAINERS) {
            list.push(
                json!({"name": "istio-proxy", "image": "auto", "args": ["custom"], "x-unknown": 1}),
            );
        }
        let Ok(out) = run(&injector(native()), &pod, "ns") else {
            panic!()
        };
        let proxy = containers::find_sidecar(&out.pod)
            .cloned()
            .unwrap_or_default();
        assert_eq!(proxy["args"], json!(["custom"]));
        assert!(
            proxy["image"]
                .as_str()
                .is_some_and(|i| i.ends_with("/proxyv2:1.30.0"))
        );
        assert_eq!(
            out.pod["metadata"]["annotations"][overrides::ANNOTATION],
            r#"{"initContainers":[{"name":"istio-proxy","args":["custom"],"resources":{}}]}"#
        );
        assert_eq!(names(&out.pod, containers::CONTAINERS), ["hello"]);
    }

    // Our deviation from Istio in `run_templates`: a template (like SPIRE's) that adds to
    // `containers[istio-proxy]` next to a native sidecar. Istio's second pass moves that stub
    // into `initContainers` as if it were a user customisation, and the native sidecar is lost.
    #[test]
    fn reinjection_keeps_a_template_proxy_stub_in_containers_unlike_istio() {
        let mut config = InjectorConfig::builtin();
        config.templates.insert(
            "native".into(),
            "spec:\n  initContainers:\n  - name: istio-proxy\n    image: proxy\n    args: [proxy, sidecar]\n    restartPolicy: Always\n".into(),
        );
        config.templates.insert(
            "stub".into(),
            "spec:\n  containers:\n  - name: istio-proxy\n    volumeMounts:\n    - name: socket\n      mountPath: /run/socket\n  volumes:\n  - name: socket\n    emptyDir: {}\n".into(),
        );
        let injector = match Injector::new(
            config,
            Values::istio_defaults(),
            MeshConfig::istio_defaults(),
            native(),
        ) {
            Ok(injector) => injector,
            Err(e) => panic!("{e}"),
        };
        let pod = json!({
            "metadata": {"name": "hello", "annotations": {select::TEMPLATES_ANNOTATION: "native,stub"}},
            "spec": {"containers": [{"name": "hello", "image": "hello:1"}]}
        });
        let Ok(once) = run(&injector, &pod, "ns") else {
            panic!("first injection failed")
        };
        assert_eq!(
            names(&once.pod, containers::CONTAINERS),
            ["hello", "istio-proxy"]
        );
        assert_eq!(
            names(&once.pod, containers::INIT_CONTAINERS),
            ["istio-proxy"]
        );
        let Ok(twice) = run(&injector, &once.pod, "ns") else {
            panic!("re-injection failed")
        };
        assert_eq!(twice.pod, once.pod);
        let native_proxy = containers::find(
            containers::list(&twice.pod, containers::INIT_CONTAINERS),
            containers::PROXY,
        );
        assert_eq!(
            native_proxy.map(|c| (c["image"].clone(), c["args"].clone())),
            Some((json!("proxy"), json!(["proxy", "sidecar"])))
        );

        // Istio's move still applies when the previous injection had a regular sidecar only:
        // re-injected with native sidecars, it becomes the native one (no duplicate left).
        let mut regular = once.pod.clone();
        regular["metadata"]["annotations"][postprocess::status::ANNOTATION] = json!(
            r#"{"initContainers":null,"containers":["istio-proxy"],"volumes":["socket"],"imagePullSecrets":null,"revision":"default"}"#
        );
        if let Some(init) = containers::list_mut(&mut regular, containers::INIT_CONTAINERS) {
            init.clear();
        }
        if let Some(main) = containers::list_mut(&mut regular, containers::CONTAINERS) {
            main[1] = json!({"name": "istio-proxy", "image": "proxy", "args": ["old"]});
        }
        let Ok(migrated) = run(&injector, &regular, "ns") else {
            panic!("migration failed")
        };
        let init = containers::list(&migrated.pod, containers::INIT_CONTAINERS);
        assert_eq!(
            names(&migrated.pod, containers::INIT_CONTAINERS),
            ["istio-proxy"]
        );
        assert_eq!(init[0]["restartPolicy"], "Always");
    }

    // Istio's TestMultipleInjectionTemplates: templates named by the pod, directly or through
    // an alias, are merged in order.
    #[test]
    fn custom_templates_and_aliases() {
        let mut config = InjectorConfig::builtin();
        config.templates.insert(
            "sidecar".into(),
            "spec:\n  containers:\n  - name: istio-proxy\n    image: proxy\n".into(),
        );
        config.templates.insert(
            "init".into(),
            "spec:\n initContainers:\n - name: istio-init\n   image: proxy\n".into(),
        );
        config
            .aliases
            .insert("both".into(), vec!["sidecar".into(), "init".into()]);
        let injector = match Injector::new(
            config.clone(),
            Values::istio_defaults(),
            MeshConfig::istio_defaults(),
            Options::default(),
        ) {
            Ok(injector) => injector,
            Err(e) => panic!("{e}"),
        };
        for requested in ["sidecar,init", "both"] {
            let pod = json!({
                "metadata": {"name": "hello", "annotations": {select::TEMPLATES_ANNOTATION: requested}},
                "spec": {"containers": [{"name": "hello", "image": "fake.docker.io/google-samples/hello-go-gke:1.0"}]}
            });
            let Ok(out) = run(&injector, &pod, "ns") else {
                panic!("{requested}")
            };
            assert_eq!(
                names(&out.pod, containers::CONTAINERS),
                ["hello", "istio-proxy"]
            );
            assert_eq!(names(&out.pod, containers::INIT_CONTAINERS), ["istio-init"]);
            assert_eq!(
                out.pod["metadata"]["annotations"][postprocess::status::ANNOTATION],
                r#"{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":null,"imagePullSecrets":null,"revision":"default"}"#
            );
        }

        config.templates.insert("broken".into(), "{{ if }".into());
        match Injector::new(
            config,
            Values::istio_defaults(),
            MeshConfig::istio_defaults(),
            Options::default(),
        ) {
            Err(e) => assert!(e.field.ends_with("broken"), "{e}"),
            Ok(_) => panic!("unparsable template accepted"),
        }
    }

    #[test]
    fn decision_uses_the_request_namespace() {
        let injector = injector(native());
        let pod = hello(Value::Null);
        assert!(injector.inject_required(&pod, "default").inject);
        assert!(!injector.inject_required(&pod, "kube-system").inject);
        let kube = Injector::new(
            InjectorConfig::builtin(),
            Values::istio_defaults(),
            MeshConfig::istio_defaults(),
            Options {
                mode: Mode::KubeInject,
                ..Options::default()
            },
        );
        assert!(kube.is_ok_and(|k| k.inject_required(&pod, "kube-system").inject));
    }

    #[test]
    fn non_objects_and_bad_types_are_invalid_pods() {
        let injector = injector(native());
        assert!(matches!(
            run(&injector, &json!([1]), "ns"),
            Err(InjectError::InvalidPod(_))
        ));
        let mut pod = hello(Value::Null);
        pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": "eighty"}]);
        match run(&injector, &pod, "ns") {
            Err(InjectError::InvalidPod(message)) => {
                assert!(message.contains("containerPort"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn native_move_appends_to_init_containers() {
        let mut pod = json!({"spec": {"containers": [{"name": "istio-proxy", "args": ["x"]}, {"name": "app"}]}});
        move_proxy_to_init_containers(&mut pod);
        assert_eq!(
            pod,
            json!({"spec": {"containers": [{"name": "app"}], "initContainers": [{"name": "istio-proxy", "args": ["x"]}]}})
        );
    }
}
