//! `kube-inject check-inject`: which of the injector's Kubewarden policies would inject a pod,
//! and why (not), in `istioctl x check-inject`'s table. istioctl only sees webhooks named
//! `*istio.io`; this sees the ClusterAdmissionPolicies, as kubewarden-controller turns them into
//! webhooks, and then Istio's `injectRequired` under the given configuration.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use injector::checkinject::{self, KUBEWARDEN_NAMESPACE, PolicyWebhook};
use injector::{Injector, Mode, Options};

use crate::config_files::{self, ConfigFiles};
use crate::files;

/// The default revision's webhook-mode policies this project ships.
const EXAMPLE_POLICIES: &str = include_str!("../../examples/policies/webhook-mode.yaml");

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kube-inject check-inject",
    about = "Explain whether the injector's Kubewarden policies would inject a pod, and why",
    long_about = "Explain whether the injector's Kubewarden policies would inject a pod, and why.\n\n\
        For every pod of the file (a Pod, or the pod template of a workload) and every\n\
        ClusterAdmissionPolicy (by default the webhook-mode policies of the default revision,\n\
        examples/policies/webhook-mode.yaml), prints istioctl x check-inject's table:\n\
        WEBHOOK (the MutatingWebhookConfiguration kubewarden-controller creates), REVISION,\n\
        INJECTED and REASON (istioctl's texts; then Istio's injectRequired reason when the\n\
        policy receives the pod but would not inject it).",
    after_help = "Example:\n  kube-inject check-inject -f pod.yaml --namespace-labels istio-injection=enabled\n  kubectl get clusteradmissionpolicies -o yaml > policies.yaml\n  kube-inject check-inject -f deploy.yaml --policies policies.yaml -n shop --namespace-labels istio.io/rev=canary"
)]
pub struct CheckArgs {
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        help = "Pods or workloads (`-`: standard input)"
    )]
    filename: String,

    #[arg(
        long = "namespace-labels",
        value_name = "K=V,...",
        default_value = "",
        help = "Labels of the pod's namespace"
    )]
    namespace_labels: String,

    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NAMESPACE",
        default_value = "default",
        help = "Namespace of objects that name none"
    )]
    namespace: String,

    #[arg(
        long = "policies",
        value_name = "FILE",
        help = "ClusterAdmissionPolicies to check against (repeatable) [default: the webhook-mode examples]"
    )]
    policies: Vec<PathBuf>,

    #[arg(long = "kubewarden-namespace", value_name = "NAMESPACE", default_value = KUBEWARDEN_NAMESPACE,
        help = "Where Kubewarden runs: its webhooks never select this namespace")]
    kubewarden_namespace: String,

    #[arg(
        long = "injectConfigFile",
        value_name = "FILE",
        help = "Injector config (policy, selectors) for injectRequired"
    )]
    inject_config_file: Option<PathBuf>,

    #[arg(long = "meshConfigFile", value_name = "FILE", help = "Mesh config")]
    mesh_config_file: Option<PathBuf>,

    #[arg(long = "valuesFile", value_name = "FILE", help = "Injection values")]
    values_file: Option<PathBuf>,
}

/// Runs the subcommand; `args` excludes the program name and `check-inject`.
pub fn main(args: impl IntoIterator<Item = String>, out: &mut dyn Write) -> Result<(), String> {
    let args =
        CheckArgs::parse_from(std::iter::once("kube-inject check-inject".to_string()).chain(args));
    let namespace_labels = checkinject::parse_labels(&args.namespace_labels)
        .map_err(|e| format!("--namespace-labels: {e}"))?;
    let mut policies = Vec::new();
    let sources: Vec<(String, String)> = if args.policies.is_empty() {
        vec![(
            "examples/policies/webhook-mode.yaml".into(),
            EXAMPLE_POLICIES.into(),
        )]
    } else {
        args.policies
            .iter()
            .map(|path| Ok((path.display().to_string(), files::read_text(path)?)))
            .collect::<Result<_, String>>()?
    };
    for (name, text) in &sources {
        for object in checkinject::yaml_objects(text).map_err(|e| format!("{name}: {e}"))? {
            if let Some(policy) = PolicyWebhook::from_policy(&object, &args.kubewarden_namespace)
                .map_err(|e| format!("{name}: {e}"))?
            {
                policies.push(policy);
            }
        }
    }
    if policies.is_empty() {
        return Err("no ClusterAdmissionPolicy in --policies".into());
    }

    let loaded = config_files::load(&ConfigFiles {
        inject_config: args.inject_config_file.as_deref(),
        mesh_config: args.mesh_config_file.as_deref(),
        values: args.values_file.as_deref(),
        operator: None,
    })?;
    // The webhook's injectRequired: the config's policy and selectors apply.
    let injector = Injector::with_lazy_templates(
        loaded.config,
        loaded.values,
        loaded.mesh,
        Options {
            mode: Mode::Webhook,
            ..Options::default()
        },
    );

    let input = files::read_input(&args.filename)?;
    let pods = checkinject::pods_from_yaml(&input, &args.namespace)?;
    if pods.is_empty() {
        return Err(format!("{}: no Pod or workload to check", args.filename));
    }
    for (i, pod) in pods.iter().enumerate() {
        if pods.len() > 1 {
            let blank = if i > 0 { "\n" } else { "" };
            if !write_or_stop(out, format!("{blank}{} ({})\n", pod.name, pod.namespace))? {
                return Ok(());
            }
        }
        let checks = checkinject::check(
            &policies,
            &injector,
            &pod.pod,
            &pod.namespace,
            &namespace_labels,
        );
        if !write_or_stop(out, checkinject::render_table(&checks))? {
            return Ok(());
        }
    }
    Ok(())
}

/// Writes `text`; `false` once the reader has stopped reading (`| head`), which ends the
/// report quietly.
fn write_or_stop(out: &mut dyn Write, text: String) -> Result<bool, String> {
    match out.write_all(text.as_bytes()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}
