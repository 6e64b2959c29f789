//! The command line: istioctl kube-inject's flags, spelled as istioctl spells them, plus the
//! two switches istioctl only takes from the environment.

use std::path::PathBuf;

use clap::Parser;
use injector::render::StockTemplates;

const ABOUT: &str = "Inject the Istio sidecar into Kubernetes workload YAML";

const LONG_ABOUT: &str = "\
Inject the Istio sidecar into Kubernetes workload YAML, as `istioctl kube-inject` does,
without a cluster.

Every Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
Pod, DeploymentConfig and List in the input gets the sidecar Istio's injector would add;
everything else (Services, ConfigMaps, ...) is written back byte for byte, so a whole
application file can go through in one run. Re-injecting an injected workload changes
nothing, so re-run kube-inject whenever the Istio configuration changes.

The Istio configuration comes from files, typically saved from the cluster (see the
examples): --injectConfigFile (the `config` of ConfigMap istio-sidecar-injector, or a bare
sidecar template), --valuesFile (its `values`), --meshConfigFile (the `mesh` of ConfigMap
istio), or an IstioOperator file. Without --injectConfigFile the built-in renderer produces
what Istio's stock `sidecar` template would; a missing values or mesh file means Istio's
defaults. kube-inject says on stderr which defaults it used.";

const EXAMPLES: &str = "\
Environment:
  ENABLE_NATIVE_SIDECARS  true: inject istio-proxy as a native sidecar (an init container
                          with restartPolicy Always); false, auto or unset: as a regular
                          container. A pod's sidecar.istio.io/nativeSidecar annotation wins.
  COMPLIANCE_POLICY       istiod's compliance policy, e.g. fips-140-3.
  --native-sidecars and --compliance-policy take precedence over these.

Exit status: 0 on success, 1 when a file or a workload cannot be read or injected (nothing
is written then), 2 for invalid arguments.

Examples:
  # Inject and apply in one go.
  kube-inject -f app.yaml | kubectl apply -f -

  # Keep the injected manifests in a file.
  kube-inject -f app.yaml -o app-injected.yaml

  # Re-inject what runs in the cluster now.
  kubectl get deployment -o yaml | kube-inject -f - | kubectl apply -f -

  # Save the cluster's injection configuration once...
  kubectl -n istio-system get configmap istio-sidecar-injector -o=jsonpath='{.data.config}' > inject-config.yaml
  kubectl -n istio-system get configmap istio-sidecar-injector -o=jsonpath='{.data.values}' > inject-values.yaml
  kubectl -n istio-system get configmap istio -o=jsonpath='{.data.mesh}' > mesh-config.yaml

  # ...and inject exactly what istiod would inject there.
  kube-inject -f app.yaml \\
    --injectConfigFile inject-config.yaml \\
    --meshConfigFile mesh-config.yaml \\
    --valuesFile inject-values.yaml

  # Take values and mesh settings from an IstioOperator file.
  kube-inject -f app.yaml --operatorFileName my-istio.yaml

  # Which of the injector's Kubewarden policies would inject this pod, and why (not)?
  kube-inject check-inject -f pod.yaml --namespace-labels istio-injection=enabled";

/// `kube-inject`'s arguments.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "kube-inject",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = EXAMPLES,
    after_help = "See `kube-inject --help` for the environment and examples."
)]
pub struct Args {
    // Optional for clap so that a missing -f gets istioctl's own message (see `validate`).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        help = "Workloads to inject (`-`: standard input) [required]"
    )]
    pub filename: Option<String>,

    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        help = "Where to write the result [default: standard output]"
    )]
    pub output: Option<PathBuf>,

    #[arg(
        long = "injectConfigFile",
        value_name = "FILE",
        help = "Injector config (ConfigMap istio-sidecar-injector, key config)",
        long_help = "Injector config: the `config` key of ConfigMap istio-sidecar-injector.\n\
                     A file without `templates` is taken as a bare template: the `sidecar`\n\
                     template. Without this flag, the built-in renderer of Istio's stock\n\
                     templates."
    )]
    pub inject_config_file: Option<PathBuf>,

    #[arg(
        long = "meshConfigFile",
        value_name = "FILE",
        help = "Mesh config (ConfigMap istio, key mesh)",
        long_help = "Mesh config: the `mesh` key of ConfigMap istio, applied over Istio's\n\
                     built-in defaults. Without it, the mesh config of a default install."
    )]
    pub mesh_config_file: Option<PathBuf>,

    #[arg(
        long = "valuesFile",
        value_name = "FILE",
        help = "Injection values (ConfigMap istio-sidecar-injector, key values)",
        long_help = "Injection values: the `values` key of ConfigMap istio-sidecar-injector\n\
                     (JSON or YAML). Without it, the values of a default install."
    )]
    pub values_file: Option<PathBuf>,

    #[arg(
        long = "operatorFileName",
        value_name = "FILE",
        help = "IstioOperator whose spec.values and spec.meshConfig win over the files",
        long_help = "An IstioOperator resource. Its spec.values are laid over the values\n\
                     (--valuesFile or the defaults) key by key; its spec.meshConfig, applied\n\
                     over Istio's built-in defaults, replaces --meshConfigFile."
    )]
    pub operator_file: Option<PathBuf>,

    #[arg(
        long = "proxyConfigFile",
        value_name = "FILE",
        help = "ProxyConfig resources (networking.istio.io) to merge, as istiod's webhook does",
        long_help = "ProxyConfig resources (networking.istio.io/v1beta1), e.g. saved with\n\
                     `kubectl get proxyconfigs -A -o yaml`: a List or YAML documents (other\n\
                     kinds are skipped). As istiod does, the mesh's root namespace's and the\n\
                     workload's namespace's resources without a selector, the\n\
                     proxy.istio.io/config annotation, then the first resource whose selector\n\
                     matches the pod's labels are laid over the mesh's defaultConfig. A\n\
                     workload's namespace is its metadata.namespace."
    )]
    pub proxy_config_file: Option<PathBuf>,

    #[arg(
        short = 'r',
        long = "revision",
        value_name = "REVISION",
        help = "Istio control plane revision (`default`: none)"
    )]
    pub revision: Option<String>,

    #[arg(
        long = "native-sidecars",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        hide_possible_values = true,
        help = "Inject istio-proxy as a native sidecar [env: ENABLE_NATIVE_SIDECARS]"
    )]
    pub native_sidecars: Option<bool>,

    #[arg(
        long = "compliance-policy",
        value_name = "POLICY",
        help = "istiod's compliance policy, e.g. fips-140-3 [env: COMPLIANCE_POLICY]"
    )]
    pub compliance_policy: Option<String>,

    #[arg(
        long = "stock-templates",
        value_name = "RENDERER",
        default_value = "builtin",
        value_parser = stock_templates,
        hide_default_value = true,
        help = "Istio's stock templates in --injectConfigFile: `builtin` (default) renders\n\
                them natively, `engine` with the Go-template engine"
    )]
    pub stock_templates: StockTemplates,

    #[arg(
        short = 'j',
        long = "jobs",
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..),
        help = "Documents injected in parallel [default: one per CPU]"
    )]
    jobs_flag: Option<u16>,
}

/// `--stock-templates`, by the names the policy's `stockTemplates` setting takes.
fn stock_templates(value: &str) -> Result<StockTemplates, String> {
    serde_json::from_value(serde_json::Value::from(value))
        .map_err(|_| "expected `builtin` or `engine`".to_string())
}

impl Args {
    /// `--jobs`, when given.
    pub fn jobs(&self) -> Option<usize> {
        self.jobs_flag.map(usize::from)
    }

    /// The checks istioctl makes before reading anything, with its wording.
    pub fn validate(&self) -> Result<&str, String> {
        match self.filename.as_deref() {
            Some(name) if !name.is_empty() => Ok(name),
            _ => Err("filename not specified (see --filename or -f)".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn flags_are_spelled_as_istioctl_spells_them() {
        let args = Args::try_parse_from([
            "kube-inject",
            "-f",
            "app.yaml",
            "-o",
            "out.yaml",
            "--injectConfigFile",
            "c.yaml",
            "--meshConfigFile",
            "m.yaml",
            "--valuesFile",
            "v.json",
            "--operatorFileName",
            "iop.yaml",
            "-r",
            "canary",
        ])
        .unwrap();
        assert_eq!(args.validate(), Ok("app.yaml"));
        assert_eq!(args.output, Some(PathBuf::from("out.yaml")));
        assert_eq!(args.inject_config_file, Some(PathBuf::from("c.yaml")));
        assert_eq!(args.mesh_config_file, Some(PathBuf::from("m.yaml")));
        assert_eq!(args.values_file, Some(PathBuf::from("v.json")));
        assert_eq!(args.operator_file, Some(PathBuf::from("iop.yaml")));
        assert_eq!(args.revision.as_deref(), Some("canary"));
        assert_eq!(args.native_sidecars, None);
    }

    #[test]
    fn native_sidecars_flag_alone_means_true_and_takes_an_explicit_value() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["kube-inject", "-f", "-"];
            argv.extend_from_slice(extra);
            Args::try_parse_from(argv).map(|a| a.native_sidecars)
        };
        assert_eq!(parse(&["--native-sidecars"]).unwrap(), Some(true));
        assert_eq!(parse(&["--native-sidecars=false"]).unwrap(), Some(false));
        assert_eq!(parse(&["--native-sidecars=true"]).unwrap(), Some(true));
        assert!(parse(&["--native-sidecars=maybe"]).is_err());
    }

    #[test]
    fn a_missing_filename_gets_istioctls_message() {
        let args = Args::try_parse_from(["kube-inject"]).unwrap();
        assert_eq!(
            args.validate(),
            Err("filename not specified (see --filename or -f)".to_string())
        );
    }
}
